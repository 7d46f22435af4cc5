/**
 * The undici dispatcher of one HTTP check: direct, through the `proxy` option, or
 * through `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY`. Direct connections go through our own
 * connector, which
 * - tells the phases apart (TCP connect, TLS handshake), so that a timeout says which one
 *   hung and a successful check reports its connect time;
 * - destroys a connection still being made when the check is aborted (undici's own
 *   connector would let it run to its connect timeout).
 *
 * @module
 */
import { isIP, type Socket, connect as tcpConnect } from 'node:net'
import { type TLSSocket, connect as tlsConnect } from 'node:tls'
import type { buildConnector, Dispatcher } from 'undici'
import { TargetError } from '../core/errors.ts'
import type { Step } from '../core/exchange.ts'
import { registerUrlSecrets } from '../core/redact.ts'
import { describeValue } from '../core/validate.ts'
import { skipContinue } from './http-informational.ts'
import type { CheckedRequest } from './http-options.ts'

/** The phases of an HTTP exchange, in the words of its messages. */
export type HttpPhase = 'connecting' | 'TLS handshake' | 'waiting for headers' | 'reading body'

const PHASES = { connecting: 'connect', 'TLS handshake': 'tls', 'waiting for headers': 'firstByte', 'reading body': 'body' } as const

/**
 * Enters a phase of the exchange (timed by the kernel, named in messages).
 *
 * @example
 * enterPhase(step, 'reading body')
 */
export function enterPhase(step: Step, phase: HttpPhase): void {
  step.enter(PHASES[phase], phase)
}

/**
 * The phase an exchange stands in.
 *
 * @example
 * if (currentPhase(step) === 'reading body') …
 */
export function currentPhase(step: Pick<Step, 'label'>): HttpPhase {
  return step.label as HttpPhase
}

/** Where an exchange stands, for timeout and error messages. */
export interface HttpProgress {
  /** True once the current connection was made by our connector (not through a proxy). */
  direct: boolean
  /** The proxy in use, `host:port`, when there is one. */
  proxy?: string
  /** TCP + TLS time of the last connection. */
  connectMs?: number
  status?: number
  bytes: number
  /** Unrequested `100 Continue` responses skipped before the final one. */
  continues: number
  /** Set when the server sent more interim (1xx) responses than a server does: the socket was destroyed. */
  interimFlood?: boolean
  /** HTTP version of the final response (`1.1`), when read on a direct connection. */
  httpVersion?: string
  /** Status of the final response as its status line said, on a direct connection (a WebSocket upgrade's 101, or what came instead). */
  finalStatus?: number
  /** The start of the final response (Latin-1, at most 4 KiB), when `keepHead` is set. */
  head?: string
  /** Keep the start of the final response in `head`. */
  keepHead?: boolean
  /** Why the last connection could not be made (refused, TLS…): what undici reports in its place can be vaguer. */
  connectError?: Error
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const

/**
 * Creates the dispatcher of one check; the caller destroys it when the check ends.
 *
 * @example
 * const dispatcher = createDispatcher(await import('undici'), request, url, 5000, progress, step)
 */
export function createDispatcher(
  undici: typeof import('undici'),
  request: Pick<CheckedRequest, 'tls' | 'http2' | 'proxy' | 'maxReceivedBytes'>,
  target: URL,
  timeoutMs: number,
  progress: HttpProgress,
  step: Step,
): Dispatcher {
  // our deadline ends the exchange; undici's own timers only back it up
  // a WebSocket message (inflated, when the server compresses) is held whole: within the budget
  const timers = {
    headersTimeout: timeoutMs + 1000,
    bodyTimeout: timeoutMs + 1000,
    connections: 1,
    pipelining: 0,
    webSocket: { maxPayloadSize: request.maxReceivedBytes, maxFragments: 1024 },
  }
  const connect = connector(request, progress, step)
  if (request.proxy !== undefined) {
    registerUrlSecrets(request.proxy)
    progress.proxy = new URL(request.proxy).host
    return new undici.ProxyAgent({ uri: request.proxy, requestTls: request.tls, ...timers })
  }
  const env = environmentProxies()
  if (env) {
    const proxy = target.protocol === 'https:' ? (env.httpsProxy ?? env.httpProxy) : env.httpProxy
    if (proxy) progress.proxy = new URL(proxy).host
    return new undici.EnvHttpProxyAgent({ ...env, connect, requestTls: request.tls, ...timers, ...(request.http2 && { allowH2: true }) })
  }
  return new undici.Agent({ connect, ...timers, ...(request.http2 && { allowH2: true }) })
}

/** undici's reasons for closing a connection that did its work: the end of a request (`reset`, no keep-alive) and the end of the dispatcher. */
const ORDINARY_CLOSE = new Set(['UND_ERR_INFO', 'UND_ERR_DESTROYED'])

/**
 * Lets undici close a connection that did its work without the cost of a stack trace: it
 * destroys the socket with an error object even then (`reset` after each response, "destroyed"
 * when the check ends), and Node's `destroy` reads that error's `stack`, which a test worker
 * formats through the source maps of every frame: some 0.1 ms a check, for nothing. Such an
 * error gets a plain `stack` first; every other error keeps its own.
 */
function closeWithoutStack(socket: Socket): void {
  const destroy = socket.destroy
  socket.destroy = function destroyQuietly(this: Socket, error?: Error) {
    if (error && ORDINARY_CLOSE.has((error as { code?: string }).code ?? ''))
      // (assigned: V8 then drops the frames unformatted; defining the property would format them first)
      error.stack = `${error.name}: ${error.message}`
    return destroy.call(this, error)
  }
}

/** HTTP(S)_PROXY from the environment, normalized like curl does (`proxy:3128` means `http://proxy:3128`). */
function environmentProxies(): { httpProxy?: string; httpsProxy?: string } | undefined {
  const read = (upper: (typeof PROXY_VARIABLES)[number], lower: (typeof PROXY_VARIABLES)[number]): string | undefined => {
    const value = process.env[upper] || process.env[lower]
    if (!value) return undefined
    const normalized = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`
    try {
      const url = new URL(normalized)
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme')
    } catch {
      throw new TargetError(`${upper} / ${lower} is set to ${describeValue(value)}, which is not a proxy URL (e.g. http://proxy.internal:3128)`)
    }
    registerUrlSecrets(normalized)
    return normalized
  }
  const httpProxy = read('HTTP_PROXY', 'http_proxy')
  const httpsProxy = read('HTTPS_PROXY', 'https_proxy')
  if (!httpProxy && !httpsProxy) return undefined
  return { ...(httpProxy && { httpProxy }), ...(httpsProxy && { httpsProxy }) }
}

function connector({ tls, http2 }: Pick<CheckedRequest, 'tls' | 'http2'>, progress: HttpProgress, step: Step): buildConnector.connector {
  const { signal } = step.deadline
  return (options, callback) => {
    progress.direct = true
    enterPhase(step, 'connecting')
    const started = performance.now()
    const host = options.hostname.replace(/^\[|\]$/g, '')
    const secure = options.protocol === 'https:'
    const port = Number(options.port) || (secure ? 443 : 80)
    let settled = false
    let socket: Socket
    const settle = (error: Error | null): void => {
      if (settled) return
      settled = true
      signal.removeEventListener('abort', abort)
      if (error) {
        progress.connectError = error
        socket.destroy()
        callback(error, null)
      } else {
        progress.connectMs = performance.now() - started
        // ALPN decides HTTP/2 (undici reads it too); HTTP/1's version is read from the status line
        if ((socket as TLSSocket).alpnProtocol === 'h2') progress.httpVersion = '2'
        enterPhase(step, 'waiting for headers')
        callback(null, socket)
      }
    }
    const abort = (): void => settle(signal.reason instanceof Error ? signal.reason : new Error('aborted'))
    if (secure) {
      const servername = tls.servername ?? options.servername ?? (isIP(host) ? undefined : host)
      socket = tlsConnect({ host, port, servername, ALPNProtocols: http2 ? ['h2', 'http/1.1'] : ['http/1.1'], ...tls })
      socket.once('connect', () => enterPhase(step, 'TLS handshake'))
      socket.once('secureConnect', () => settle(null))
    } else {
      socket = tcpConnect({ host, port })
      socket.once('connect', () => settle(null))
    }
    step.scope.adopt(socket)
    closeWithoutStack(socket)
    skipContinue(socket, {
      skipped: () => progress.continues++,
      flooded: () => (progress.interimFlood = true),
      final: (version, status, head) => {
        progress.httpVersion = version
        progress.finalStatus = status
        if (progress.keepHead) progress.head = head()
      },
    })
    socket.setNoDelay(true)
    socket.once('error', (error) => settle(error))
    if (signal.aborted) abort()
    else signal.addEventListener('abort', abort, { once: true })
  }
}
