/**
 * WebSocket probe, on undici's WebSocket client (already a dependency: docs/decisions/0018).
 *
 * Completes the upgrade (`101 Switching Protocols`) on a connection of its own, through the
 * HTTP probe's connector (phases, TLS options, proxies from the environment, the byte
 * budget), checks the subprotocol the server chose, optionally sends a message and waits for
 * one that matches `expectMessage`, then closes with `1000 Normal Closure`.
 *
 * undici reports a failed upgrade with no detail ("network error or non-101 status"): the
 * connector reads the status line (and the start of the response, 4 KiB at most) as it comes,
 * so that the failure says what the server answered instead.
 *
 * Cap first: a message is cut to {@link MAX_MESSAGE_CHARS} before it is matched; at most
 * {@link MAX_MESSAGES} messages are looked at; undici holds a message whole only within the
 * byte budget (`maxPayloadSize`, inflated size included).
 *
 * @module
 */
import type { Dispatcher, WebSocket as UndiciWebSocket } from 'undici'
import { once } from '../core/drivers.ts'
import { TargetError } from '../core/errors.ts'
import { noConnection, noTlsHandshake, runExchange, type Step } from '../core/exchange.ts'
import { describeNetworkError, errorMessage } from '../core/network-errors.ts'
import { checkPattern, describeMismatch, describePattern, type Pattern, patternMatches } from '../core/pattern.ts'
import { DEFAULT_MAX_RECEIVED_BYTES } from '../core/probe-scope.ts'
import type { ProbeError, ProbeOptions, ProbeResult } from '../core/result.ts'
import { displayUrl, hostPort, parseUrl } from '../core/targets.ts'
import { cutList, formatBytes, formatMs, peerText, plural } from '../core/text.ts'
import type { TlsOptions } from '../core/tls-options.ts'
import { closeGracefully } from '../core/deadline.ts'
import { checkLimits, checkOptions, checkPayload, checkStrings, invalid } from '../core/validate.ts'
import { createDispatcher, currentPhase, type HttpProgress } from './http-dispatcher.ts'
import { checkRequest } from './http-options.ts'

const loadUndici = once(() => import('undici'))

/** Characters of a message that `expectMessage` is matched against (and that a message shows). */
export const MAX_MESSAGE_CHARS = 4096
/** Messages looked at before giving up on `expectMessage`. */
export const MAX_MESSAGES = 100
/** Messages shown in a failure. */
const SHOWN_MESSAGES = 5
/**
 * The Fetch standard's "bad ports" (fetch.spec.whatwg.org/#port-blocking): undici's WebSocket,
 * as browsers, refuses them without trying, and says only "network error".
 */
const BLOCKED_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123,
  135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995,
  1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
])
/** RFC 6455 §4.1: a subprotocol is an HTTP token. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** Options of {@link probeWebSocket}. */
export interface WebSocketProbeOptions extends ProbeOptions {
  /** Subprotocols offered (`Sec-WebSocket-Protocol`): the server must choose one of them. */
  protocols?: string | readonly string[]
  /** Headers of the upgrade request (an `Authorization`, a `Cookie`, an `Origin`); secret ones are never printed. */
  headers?: Record<string, string | number>
  /** A message to send once the connection is open: text, or bytes (sent as a binary message). */
  send?: string | Uint8Array
  /** Wait for a message that includes this text, or matches this pattern (its first 4 KiB). */
  expectMessage?: Pattern
  /** TLS settings of a `wss://` URL. */
  tls?: TlsOptions
}

/** What {@link probeWebSocket} observed. */
export interface WebSocketObserved {
  /** The URL, redacted. */
  url: string
  /** The status of the answer to the upgrade request: 101, or what came instead. */
  status?: number
  /** The subprotocol the server chose (`''`: none). */
  protocol?: string
  /** Bytes sent (`send`). */
  sentBytes?: number
  /** Messages received while waiting for `expectMessage`. */
  messagesReceived: number
  /** The first messages received, each redacted, escaped and cut (binary ones as `(binary, N bytes)`). */
  messages: string[]
  /** Whether a message matched `expectMessage`. */
  matched?: boolean
  /** The close code and reason, when the server closed the connection first. */
  closedByServer?: { code: number; reason: string }
  /** True when the closing handshake completed (our `1000` answered). */
  closedCleanly?: boolean
}

/**
 * Opens a WebSocket to `target` (`ws://` or `wss://`), checks the subprotocol, optionally
 * sends a message and waits for a matching one, then closes.
 *
 * @example
 * const result = await probeWebSocket('wss://push.example.com/socket', { protocols: ['v2.push'], send: 'ping', expectMessage: /pong/ })
 */
export async function probeWebSocket(
  target: string,
  options: WebSocketProbeOptions = {},
  signal?: AbortSignal,
): Promise<ProbeResult<WebSocketObserved>> {
  const checked = checkOptions(options, ['protocols', 'headers', 'send', 'expectMessage', 'tls'])
  const limits = checkLimits(checked)
  const url = parseUrl(target, ['ws:', 'wss:'], 'a ws:// or wss:// URL')
  const http = new URL(url.href)
  http.protocol = url.protocol === 'wss:' ? 'https:' : 'http:'
  // the HTTP probe's rules for headers (one line of Latin-1, secrets registered, basic auth from the URL) and TLS
  const request = checkRequest(http, {
    ...(checked.headers !== undefined && { headers: checked.headers }),
    ...(checked.tls !== undefined && { tls: checked.tls }),
  })
  for (const name of Object.keys(request.headers))
    if (name.startsWith('sec-websocket-'))
      throw new TargetError(
        `header ${name} cannot be set: the WebSocket handshake sets it${name === 'sec-websocket-protocol' ? ' (offer subprotocols with `protocols`)' : ''}`,
      )
  if (BLOCKED_PORTS.has(Number(url.port)))
    throw new TargetError(
      `port ${url.port} is one the Fetch standard blocks for browsers, and undici's WebSocket client with them: it cannot be checked with toAcceptWebSocket (toAcceptTcp checks that the port is open)`,
    )
  const protocols = checkProtocols(checked.protocols)
  const send = checkPayload('send', checked.send)
  const expectMessage = checkPattern('expectMessage', checked.expectMessage, MAX_MESSAGE_CHARS)
  const maxReceivedBytes = limits.maxReceivedBytes ?? DEFAULT_MAX_RECEIVED_BYTES
  const where = hostPort(http, url.protocol === 'wss:' ? 443 : 80)
  const shown = displayUrl(url)
  const observed: WebSocketObserved = { url: shown, messagesReceived: 0, messages: [] }
  const progress: HttpProgress = { direct: false, bytes: 0, continues: 0, keepHead: true }
  const undici = await loadUndici()
  let dispatcher: Dispatcher | undefined
  let socket: UndiciWebSocket | undefined
  let closed: Promise<void> | undefined
  return runExchange(
    { where, target: shown, limits, observed, signal },
    {
      exchange: async (step) => {
        dispatcher = createDispatcher(undici, { ...request, http2: false, maxReceivedBytes }, http, limits.timeoutMs, progress, step)
        const plain = new URL(url.href)
        plain.username = ''
        plain.password = ''
        const ws = new undici.WebSocket(plain.href, {
          protocols: [...protocols],
          headers: request.headers,
          dispatcher,
        })
        socket = ws
        ws.binaryType = 'arraybuffer'
        const inbox = new Inbox(ws, expectMessage, observed)
        closed = new Promise((resolve) => ws.addEventListener('close', () => resolve(), { once: true }))
        await step.race(opened(ws))
        observed.status = 101
        observed.protocol = ws.protocol
        if (send) {
          step.enter('query', 'sending the message')
          ws.send(send.data)
          observed.sentBytes = send.bytes
        }
        if (expectMessage) {
          step.enter('query', `waiting for a message ${describePattern(expectMessage)}`)
          await step.race(inbox.done)
        }
      },
      timeout: (step) => describeTimeout(where, shown, step, observed, expectMessage),
      describe: (caught) =>
        progress.connectError
          ? describeNetworkError(progress.connectError, where)
          : describeFailedUpgrade(caught, progress, observed, shown, protocols),
      close: async (failed) => {
        const ws = socket
        // the closing handshake, when the connection is open: the server answers our 1000
        if (ws && !failed && ws.readyState === ws.OPEN && closed) {
          const done = closed
          await closeGracefully(
            async () => {
              ws.close(1000)
              await done
              observed.closedCleanly = true
            },
            () => {},
          )
        }
        await dispatcher?.destroy().catch(() => {})
      },
      failures: () => judge(observed, protocols, expectMessage),
      summary: () => {
        const chosen = observed.protocol ? ` (subprotocol ${observed.protocol})` : ''
        const got = expectMessage ? `, received ${plural(observed.messagesReceived, 'message')}` : ''
        return `WebSocket open${chosen}${got}`
      },
    },
  )
}

/** Resolves once the connection is open; rejects when it closes first (the upgrade failed). */
function opened(ws: UndiciWebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true })
    ws.addEventListener('close', () => reject(new UpgradeFailed()), { once: true })
  })
}

/** The connection closed before it opened: undici says no more, the connector knows what came. */
class UpgradeFailed extends Error {
  constructor() {
    super('the WebSocket connection closed before it opened')
  }
}

/** The messages of a connection, cut and matched as they come. */
class Inbox {
  readonly done: Promise<void>

  constructor(ws: UndiciWebSocket, expect: Pattern | undefined, observed: WebSocketObserved) {
    let finished = false
    let resolve = (): void => {}
    this.done = new Promise((done) => {
      resolve = done
    })
    const finish = (): void => {
      finished = true
      resolve()
    }
    ws.addEventListener('message', (event) => {
      if (observed.matched || observed.messagesReceived >= MAX_MESSAGES) return
      observed.messagesReceived++
      const data = event.data as string | ArrayBuffer
      // cut first: a message is matched and shown from its first 4 KiB only
      const binary = typeof data !== 'string'
      const text = binary ? Buffer.from(data, 0, Math.min(data.byteLength, MAX_MESSAGE_CHARS)).toString('utf8') : data.slice(0, MAX_MESSAGE_CHARS)
      if (observed.messages.length < SHOWN_MESSAGES)
        observed.messages.push(
          binary && /[\u0000-\u0008\u000e-\u001f]/.test(text) ? `(binary, ${formatBytes(data.byteLength)})` : peerText(text, 120),
        )
      if (expect && patternMatches(expect, text)) {
        observed.matched = true
        finish()
      } else if (observed.messagesReceived >= MAX_MESSAGES) {
        observed.matched = false
        finish()
      }
    })
    ws.addEventListener(
      'close',
      (event) => {
        // a close after the inbox is done is ours (the closing handshake), not the server's
        if (!finished && observed.status === 101) observed.closedByServer = { code: event.code, reason: peerText(event.reason, 120) }
        finish()
      },
      { once: true },
    )
  }
}

function judge(observed: WebSocketObserved, protocols: readonly string[], expect: Pattern | undefined): string[] {
  const failures: string[] = []
  if (protocols.length > 0 && !observed.protocol) failures.push(`the server chose no subprotocol, expected one of ${protocols.join(', ')}`)
  if (expect && !observed.matched) {
    const seen = observed.messagesReceived === 0 ? 'no message came' : `${receivedMessages(observed)}: ${describeMismatch(expect, 'none')}`
    const closed = observed.closedByServer ? `, and ${describeEnd(observed.closedByServer)}` : ''
    failures.push(`${seen}${closed}; expected a message ${describePattern(expect)}`)
  }
  return failures
}

function receivedMessages(observed: WebSocketObserved): string {
  const list = cutList(
    observed.messages.map((message) => (message.startsWith('(binary') ? message : `"${message}"`)),
    { maxItems: SHOWN_MESSAGES, itemChars: 140 },
  )
  const more = observed.messagesReceived > observed.messages.length ? ` (the first ${observed.messages.length})` : ''
  return `received ${plural(observed.messagesReceived, 'message')}${more}: ${list}`
}

/** How the connection ended: the server's close frame, or none (1006). */
function describeEnd({ code, reason }: { code: number; reason: string }): string {
  // 1006 is no close frame at all: the server dropped the connection, or undici failed it (a
  // message over the byte budget once inflated, a frame that breaks the protocol)
  if (code === 1006)
    return 'the connection ended without a closing handshake (1006: dropped by the server, or a message over maxReceivedBytes once inflated, or a bad frame)'
  return `the server closed the connection (${code}${CLOSE_CODES[code] ? ` ${CLOSE_CODES[code]}` : ''}${reason ? `: "${reason}"` : ''})`
}

const CLOSE_CODES: Record<number, string> = {
  1000: 'Normal Closure',
  1001: 'Going Away',
  1002: 'Protocol Error',
  1003: 'Unsupported Data',
  1006: 'Abnormal Closure',
  1007: 'Invalid Payload',
  1008: 'Policy Violation',
  1009: 'Message Too Big',
  1011: 'Internal Error',
  1012: 'Service Restart',
  1013: 'Try Again Later',
}

function describeTimeout(where: string, url: string, step: Step, observed: WebSocketObserved, expect: Pattern | undefined): ProbeError {
  const within = formatMs(step.timeoutMs)
  if (step.phase === 'query' && expect) {
    const seen = observed.messagesReceived === 0 ? 'no message came' : receivedMessages(observed)
    return {
      code: 'ETIMEDOUT',
      message: `${url} is open, but no message ${describePattern(expect)} came within ${within}; ${seen}`,
      hint:
        observed.messagesReceived === 0
          ? 'the server said nothing: does it expect a message first (`send`), a subprotocol (`protocols`), or authentication?'
          : 'the server sent other messages: is `expectMessage` what it sends, and `send` what it answers?',
    }
  }
  const phase = currentPhase(step)
  if (phase === 'connecting') return noConnection(where, step.timeoutMs)
  if (phase === 'TLS handshake') return noTlsHandshake(where, step.timeoutMs)
  return {
    code: 'ETIMEDOUT',
    message: `connected to ${where}, but no answer to the WebSocket upgrade within ${within}`,
    hint: 'the port accepts connections but does not answer the upgrade: is this the WebSocket endpoint, and does a proxy in front of it pass Upgrade requests on?',
  }
}

function describeFailedUpgrade(
  caught: unknown,
  progress: HttpProgress,
  observed: WebSocketObserved,
  url: string,
  protocols: readonly string[],
): ProbeError {
  if (!(caught instanceof UpgradeFailed)) return { code: 'EPROTOCOL', message: `WebSocket to ${url} failed: ${errorMessage(caught)}` }
  const status = progress.finalStatus
  if (status !== undefined) observed.status = status
  if (status === undefined)
    return {
      code: 'ECONNCLOSED',
      message: `${url}: the connection closed before an answer to the WebSocket upgrade`,
      hint: 'the server (or a proxy) dropped the upgrade request: check that this is the WebSocket endpoint and the server logs',
    }
  if (status !== 101)
    return {
      code: 'EUPGRADE',
      message: `${url} answered HTTP ${status} instead of 101 Switching Protocols`,
      hint:
        status === 401 || status === 403
          ? 'the server refused the upgrade: pass the credentials it wants in `headers` (Authorization, Cookie) or the URL'
          : status === 404
            ? 'there is no WebSocket endpoint at this path: check the URL'
            : 'the server (or a proxy in front of it) did not upgrade: is this the WebSocket endpoint, and does the proxy pass Upgrade requests on?',
    }
  const chosen = upgradeHeader(progress.head ?? '', 'sec-websocket-protocol')
  if (protocols.length > 0 && !chosen)
    return {
      code: 'ESUBPROTOCOL',
      message: `${url} accepted the upgrade but chose none of the subprotocols offered (${protocols.join(', ')})`,
      hint: 'the server does not speak these subprotocols: check `protocols` against what the server supports',
    }
  return {
    code: 'EPROTOCOL',
    message: `${url} answered 101, but its upgrade response is not valid WebSocket${chosen && !protocols.includes(chosen) ? ` (it chose the subprotocol ${peerText(chosen, 60)}, which was not offered)` : ''}`,
    hint: 'a proxy or server that does not implement RFC 6455 correctly (Sec-WebSocket-Accept, Upgrade, Connection headers): check what is in front of the service',
  }
}

/** A header of the start of a response (Latin-1, 4 KiB at most), or undefined. */
function upgradeHeader(head: string, name: string): string | undefined {
  const end = head.indexOf('\r\n\r\n')
  for (const line of (end === -1 ? head : head.slice(0, end)).split('\r\n').slice(1)) {
    const colon = line.indexOf(':')
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === name) return line.slice(colon + 1).trim() || undefined
  }
  return undefined
}

function checkProtocols(value: unknown): string[] {
  const list = checkStrings('protocols', value)
  const seen = new Set<string>()
  for (const protocol of list) {
    if (!TOKEN.test(protocol)) throw invalid('protocols', "a list of tokens (letters, digits and !#$%&'*+.^_`|~-; no spaces or commas)", protocol)
    if (seen.has(protocol)) throw invalid('protocols', 'a list without duplicates', protocol)
    seen.add(protocol)
  }
  return list
}
