/**
 * How slow login guessing is: a backoff per client and a bucket of failures shared by all.
 * Runner side.
 *
 * @module
 */
/** The wait before a wrong token is answered. */
export const FAILURE_DELAY_MS = 1000
/** Failed logins allowed at once across every client, refilled at one a second. */
export const GLOBAL_BURST = 10
const MAX_BACKOFF_MS = 60_000
/** A client's failures are forgotten this long after its last backoff ended. */
const FORGET_MS = 15 * 60 * 1000
const MAX_CLIENTS = 10_000

/**
 * How long a client must wait before its next login attempt is compared: a backoff per
 * client (one attempt at a time, doubling with each failure up to a minute, forgotten after
 * a quarter of an hour), and a bucket of failures shared by all clients.
 *
 * @example
 * const throttle = new Throttle()
 * if (throttle.wait(client) > 0) return tooMany()
 * verify(token) ? throttle.succeeded(client) : throttle.failed(client)
 */
export class Throttle {
  readonly #clients = new Map<string, { failures: number; until: number }>()
  #tokens: number
  #refilledAt?: number

  constructor(
    private readonly burst = GLOBAL_BURST,
    private readonly perSecond = 1,
    private readonly maxClients = MAX_CLIENTS,
  ) {
    this.#tokens = burst
  }

  /** The ms `client` must wait before an attempt is compared; 0: now. */
  wait(client: string, now = Date.now()): number {
    this.#refill(now)
    const own = Math.max(0, (this.#clients.get(client)?.until ?? 0) - now)
    const shared = this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.perSecond) * 1000)
    return Math.max(own, shared)
  }

  /** Records a wrong token from `client`. */
  failed(client: string, now = Date.now()): void {
    this.#refill(now)
    this.#tokens -= 1
    const previous = this.#clients.get(client)
    const failures = previous && now - previous.until < FORGET_MS ? previous.failures + 1 : 1
    // re-inserted: the map's order is the order of the last failure, the oldest evicted first
    this.#clients.delete(client)
    this.#clients.set(client, { failures, until: now + Math.min(FAILURE_DELAY_MS * 2 ** (failures - 1), MAX_BACKOFF_MS) })
    if (this.#clients.size > this.maxClients) this.#clients.delete(this.#clients.keys().next().value as string)
  }

  /** Records the right token from `client`: its failures are forgotten. */
  succeeded(client: string): void {
    this.#clients.delete(client)
  }

  #refill(now: number): void {
    if (this.#refilledAt !== undefined) this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#refilledAt) / 1000) * this.perSecond)
    this.#refilledAt = now
  }
}
