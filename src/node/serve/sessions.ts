/**
 * The sessions of `prodcheck serve`'s login, in memory: random ids kept by their SHA-256,
 * with an absolute expiry, capped in number. Runner side.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto'

/** Sessions kept at most; a new one evicts the oldest. */
export const MAX_SESSIONS = 1000
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/

/**
 * The sessions of one server, in memory: random ids, kept by their SHA-256, with an absolute
 * expiry. Insertion order is expiry order (one lifetime for all), so the oldest go first.
 *
 * @example
 * const sessions = new Sessions(12 * 3600_000)
 * const id = sessions.create()
 * sessions.valid(id) // true
 */
export class Sessions {
  readonly #expiries = new Map<string, number>()

  constructor(
    private readonly ttlMs: number,
    private readonly max = MAX_SESSIONS,
  ) {}

  /** Starts a session; returns its id (the cookie's value). */
  create(now = Date.now()): string {
    this.#prune(now)
    while (this.#expiries.size >= this.max) this.#expiries.delete(this.#expiries.keys().next().value as string)
    const id = randomBytes(32).toString('base64url')
    this.#expiries.set(hash(id), now + this.ttlMs)
    return id
  }

  /** Whether `id` names a live session. */
  valid(id: string, now = Date.now()): boolean {
    if (!SESSION_ID.test(id)) return false
    this.#prune(now)
    return this.#expiries.has(hash(id))
  }

  /** Ends the session `id`, if any. */
  revoke(id: string): void {
    if (SESSION_ID.test(id)) this.#expiries.delete(hash(id))
  }

  /** The number of live sessions. */
  get size(): number {
    return this.#expiries.size
  }

  #prune(now: number): void {
    for (const [key, expiry] of this.#expiries) {
      if (expiry > now) return
      this.#expiries.delete(key)
    }
  }
}

function hash(id: string): string {
  return createHash('sha256').update(id).digest('base64url')
}
