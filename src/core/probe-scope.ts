/**
 * The scope of one probe: every socket the probe or its driver opens while it runs, and
 * every byte those sockets receive.
 *
 * - **A byte budget.** What a peer sends is counted as its socket takes it in (`push`, where
 *   both `data` listeners and `read()` callers get it from), before the driver buffers or parses it. Past the budget (default
 *   {@link DEFAULT_MAX_RECEIVED_BYTES}) the scope destroys its sockets and the probe fails
 *   with `ETOOLARGE`: an endless error message, a 16 MB packet or a `$500000000` bulk reply
 *   cost at most the budget, not the memory of the process.
 * - **Nothing outlives the verdict.** {@link ProbeScope.close} destroys every socket still
 *   open; a socket a driver opens after that (a late reconnect) is destroyed at once.
 *
 * Sockets are adopted three ways: the probe's own (`scope.adopt`), those a driver opens with
 * `net.connect` (Node's `net.client.socket` diagnostics channel), and those it opens with
 * `tls.connect`, direct or upgrading a plain socket (a wrapper around `tls.connect`,
 * installed once, which adopts a socket only inside a probe scope and changes nothing
 * else). Which scope a socket belongs to is known from the async context it is opened in.
 *
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import diagnostics from 'node:diagnostics_channel'
import type { Socket } from 'node:net'
import tls from 'node:tls'
import type { ProbeError } from './result.ts'
import { formatBytes } from './text.ts'

/**
 * Default budget of bytes a probe accepts from its peer: 1 MiB. A check's exchange is a
 * handshake and a small answer; and drivers turn bytes into objects (a Redis array of
 * one-byte items costs some twenty times its size in memory), so the budget is kept well
 * below what a sidecar can afford. HTTP bodies have their own default, 8 MiB (http-options.ts).
 */
export const DEFAULT_MAX_RECEIVED_BYTES = 1024 * 1024

/**
 * Default budget of the protocols whose exchange is a handshake only (TCP, SMTP, AMQP, MQTT,
 * NATS): 64 KiB, some ten times what their largest greeting takes. Their drivers parse every
 * packet as it comes, and a peer sending a 2-byte packet without end (an MQTT PINGRESP) makes
 * each byte cost CPU: the budget bounds that too (about 30,000 packets, not 500,000).
 */
export const HANDSHAKE_MAX_RECEIVED_BYTES = 64 * 1024

/** The error a scope destroys its sockets with once a peer sent more than the budget. */
export class BudgetError extends Error {
  override readonly name = 'BudgetError'
  readonly code = 'ETOOLARGE'
  constructor(readonly budget: number) {
    super(`the peer sent more than ${formatBytes(budget)}`)
  }
}

// One storage and one pair of hooks per process, kept on Node's own `tls` module, which every
// module instance shares (Jest evaluates prodcheck once per test file, each in a vm context
// with a global of its own): a second instance finds them and installs nothing.
const SHARED = Symbol.for('prodcheck.probe-scope')
const HOOKED = Symbol.for('prodcheck.probe-scope.hooks')
const shared = tls as unknown as { [SHARED]?: AsyncLocalStorage<ProbeScope> }
shared[SHARED] ??= new AsyncLocalStorage<ProbeScope>()
const storage: AsyncLocalStorage<ProbeScope> = shared[SHARED]

/** Installs the two hooks that adopt drivers' sockets (once per process). */
function installHooks(): void {
  const holder = tls as unknown as { [HOOKED]?: boolean }
  if (holder[HOOKED]) return
  holder[HOOKED] = true
  diagnostics.subscribe('net.client.socket', (message) => {
    storage.getStore()?.adopt((message as { socket: Socket }).socket)
  })
  const connect = tls.connect
  tls.connect = function connectInScope(this: unknown, ...args: unknown[]) {
    const socket = (connect as (...a: unknown[]) => tls.TLSSocket).apply(this, args)
    storage.getStore()?.adopt(socket)
    return socket
  } as typeof tls.connect
}

/**
 * Opens the scope of a probe with a byte budget.
 *
 * @example
 * const scope = openScope(options.maxReceivedBytes)
 * try { await scope.run(() => client.connect()) } finally { scope.close() }
 */
export function openScope(maxReceivedBytes: number = DEFAULT_MAX_RECEIVED_BYTES): ProbeScope {
  installHooks()
  return new ProbeScope(maxReceivedBytes)
}

/** See the module comment. */
export class ProbeScope {
  /** Bytes received so far, on every socket of the scope. */
  received = 0
  /** Set once the peer sent more than the budget. */
  exceeded?: BudgetError
  private readonly sockets = new Set<Socket>()
  private readonly watchers: Array<(socket: Socket) => void> = []
  private closed = false

  constructor(readonly maxReceivedBytes: number) {}

  /** Runs `fn` inside the scope: the sockets it opens, now or later in its async context, are adopted. */
  run<T>(fn: () => T): T {
    return storage.run(this, fn)
  }

  /**
   * Calls `watcher` with every socket the scope adopts from now on: a probe whose driver
   * reports a connection failure vaguely (gRPC's "UNAVAILABLE") reads its cause there.
   */
  watch(watcher: (socket: Socket) => void): void {
    this.watchers.push(watcher)
  }

  /** Counts what `socket` receives against the budget, and destroys it with the scope. */
  adopt(socket: Socket): void {
    if (this.sockets.has(socket)) return
    if (this.closed) {
      // a driver reconnecting after the verdict (gRPC's backoff): `net.connect` announces its
      // socket before it calls `connect()`, which would undo a destroy made now; so destroy it
      // once `connect()` has run, and again if it connects all the same
      socket.on('error', ignore)
      socket.once('connect', () => socket.destroy())
      process.nextTick(() => socket.destroy())
      return
    }
    this.sockets.add(socket)
    for (const watcher of this.watchers) watcher(socket)
    socket.once('close', () => this.sockets.delete(socket))
    const scope = this
    const push = socket.push
    // counted as the socket takes it in, before the driver buffers, reads or parses anything
    socket.push = function meteredPush(this: Socket, chunk: unknown, encoding?: BufferEncoding): boolean {
      if (chunk !== null && !scope.closed) {
        scope.received += (chunk as { length: number }).length
        if (scope.received > scope.maxReceivedBytes) {
          scope.overflow()
          return false
        }
      }
      return push.call(this, chunk, encoding)
    }
  }

  /** Destroys every socket of the scope; later ones are destroyed as they are adopted. */
  close(): void {
    this.closed = true
    for (const socket of this.sockets) {
      socket.on('error', ignore)
      socket.destroy()
    }
    this.sockets.clear()
  }

  private overflow(): void {
    if (this.exceeded) return
    this.exceeded = new BudgetError(this.maxReceivedBytes)
    for (const socket of this.sockets) {
      socket.on('error', ignore)
      socket.destroy(this.exceeded)
    }
  }
}

function ignore(): void {}

/**
 * The failure of a probe whose peer sent more than its byte budget, or undefined when it
 * did not: this comes first, whatever error the driver made of the cut connection.
 *
 * @example
 * error = budgetExceeded(scope, where, phase) ?? describeNetworkError(caught, where)
 */
export function budgetExceeded(scope: ProbeScope, where: string, phase: string): ProbeError | undefined {
  if (!scope.exceeded) return undefined
  return {
    code: 'ETOOLARGE',
    message: `${where} sent more than ${formatBytes(scope.maxReceivedBytes)} while ${phase}: the check stopped reading`,
    hint: 'no healthy peer sends that much to a check: is this the service you meant (host, port, scheme)? If the answer really is that large, raise maxReceivedBytes',
  }
}
