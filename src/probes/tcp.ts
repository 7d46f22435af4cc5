/**
 * TCP probe: does `host:port` accept a connection from here, and (optionally) does it
 * answer as expected? Connect (and complete TLS when `tls` is set), then, as
 * blackbox_exporter's `query_response` does, send `send` and wait for data matching
 * `expect` (a banner such as `SSH-2.0-`, `220 `, or the answer to `send`). Without
 * `send`/`expect`, nothing is sent and the connection is closed at once. IPv4, IPv6
 * (`[::1]:6379`) and names (both families tried, as Node's happy-eyeballs connect does).
 *
 * What the peer sends is kept up to {@link MAX_EXPECT_BYTES} and matched there only: a
 * banner or an answer is short, and a peer flooding the port costs at most that window
 * (every chunk is counted against the byte budget first, and matching runs once per batch
 * of chunks, not once per packet).
 *
 * @module
 */
import { connect, type Socket } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import { TargetError } from '../core/errors.ts'
import { noConnection, noTlsHandshake, ProbeFailure, runExchange, type Step } from '../core/exchange.ts'
import { checkPattern, describeMismatch, describePattern, type Pattern, patternMatches } from '../core/pattern.ts'
import { HANDSHAKE_MAX_RECEIVED_BYTES } from '../core/probe-scope.ts'
import type { ProbeError, ProbeOptions, ProbeResult } from '../core/result.ts'
import { formatHostPort, parseHostPort } from '../core/targets.ts'
import { formatBytes, formatMs, peerText, plural } from '../core/text.ts'
import { checkTlsOptions, type TlsOptions, tlsConnectOptions } from '../core/tls-options.ts'
import { checkLimits, checkOptions, checkPayload } from '../core/validate.ts'

/** Bytes of what the peer sends that `expect` is matched against: 4 KiB (a banner, an answer). */
export const MAX_EXPECT_BYTES = 4096

/** Options of {@link probeTcp}. */
export interface TcpProbeOptions extends ProbeOptions {
  /** Sent once connected (and TLS is up): text (UTF-8) or bytes. Write line endings yourself (`'PING\r\n'`). */
  send?: string | Uint8Array
  /**
   * What the peer must send, within its first 4 KiB (counted from the connection, so a
   * banner before the answer to `send` is part of it): a text it includes, or a pattern it
   * matches (`/^SSH-2\.0-/`).
   */
  expect?: string | RegExp
  /** Speak TLS once connected: `true` for the defaults, or `{ ca, servername, rejectUnauthorized }`. */
  tls?: boolean | TlsOptions
}

/** What {@link probeTcp} observed. */
export interface TcpObserved {
  host: string
  port: number
  /** The address actually connected to. */
  address?: string
  family?: string
  /** The TLS version negotiated (`TLSv1.3`), when `tls` is set. */
  tlsVersion?: string
  /** Bytes sent (`send`). */
  sentBytes?: number
  /** Bytes received while waiting for `expect` (what was kept; more may have come). */
  receivedBytes?: number
  /** What the peer sent, for messages: its start, redacted, escaped, cut (`expect` only). */
  received?: string
  /** Whether what was received matches `expect`. */
  matched?: boolean
  /** True when the peer closed the connection before sending what `expect` wants. */
  peerClosed?: boolean
}

/**
 * Opens a TCP connection to `host:port`; with `send` / `expect`, sends and waits for the
 * expected answer; then closes.
 *
 * @example
 * const result = await probeTcp('db.internal:5432', { timeoutMs: 2000 })
 * const ssh = await probeTcp('bastion:22', { expect: /^SSH-2\.0-/ })
 * const redis = await probeTcp('cache:6379', { send: 'PING\r\n', expect: '+PONG' })
 */
export async function probeTcp(target: string, options: TcpProbeOptions = {}, signal?: AbortSignal): Promise<ProbeResult<TcpObserved>> {
  const checked = checkOptions(options, ['send', 'expect', 'tls'])
  const limits = checkLimits(checked)
  const send = checkSend(checked.send)
  const expect = checkPattern('expect', checked.expect, MAX_EXPECT_BYTES)
  const tls = checkTlsOptions(checked.tls, { allowBoolean: true })
  const { host, port } = parseHostPort(target, { what: 'host:port', schemes: ['tcp:'] })
  const where = formatHostPort({ host, port })
  const observed: TcpObserved = { host, port }
  const reader = expect === undefined ? undefined : new Reader(expect)
  let socket: Socket | undefined
  return runExchange(
    { where, limits, observed, signal, defaultReceiveBudget: HANDSHAKE_MAX_RECEIVED_BYTES },
    {
      exchange: async (step) => {
        socket = tls ? await step.race(openTls(host, port, tls, step)) : await step.race(openTcp(host, port, step))
        observed.address = socket.remoteAddress
        observed.family = socket.remoteFamily
        if (tls) observed.tlsVersion = (socket as TLSSocket).getProtocol() ?? undefined
        reader?.listen(socket)
        if (send) {
          step.enter('query', 'sending')
          const open = socket
          await step.race(new Promise<void>((resolve, reject) => open.write(send, (error) => (error ? reject(error) : resolve()))))
          observed.sentBytes = send.length
        }
        if (reader) {
          step.enter('query', `waiting for data ${describePattern(reader.expect)}`)
          await step.race(reader.done)
          Object.assign(observed, reader.observed())
          // a peer that hangs up without a word said nothing to judge: the connection failed
          if (observed.peerClosed && observed.receivedBytes === 0)
            throw new ProbeFailure({
              code: 'ECONNCLOSED',
              message: `${where} closed the connection without sending anything${observed.sentBytes === undefined ? '' : ` (after ${plural(observed.sentBytes, 'byte')} sent)`}`,
              hint: 'the service refused this client or this request: check its logs, and that `send` is what it expects on this port',
            })
        }
      },
      timeout: (step) =>
        step.phase === 'query'
          ? noAnswer(where, step, observed, reader)
          : step.phase === 'tls'
            ? noTlsHandshake(where, limits.timeoutMs)
            : noConnection(where, limits.timeoutMs),
      close: () => {
        socket?.on('error', () => {})
        socket?.destroy()
      },
      failures: () => (reader && !observed.matched ? [unexpectedAnswer(reader.expect, observed)] : []),
      summary: () => {
        const connected = `connected to ${formatHostPort({ host: observed.address ?? host, port })}${observed.tlsVersion ? ` (${observed.tlsVersion})` : ''}`
        return reader ? `${connected}, received ${quoteReceived(observed)}` : connected
      },
    },
  )
}

function openTcp(host: string, port: number, step: Step): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port })
    step.scope.adopt(socket)
    socket.once('connect', () => resolve(socket))
    socket.once('error', reject)
  })
}

function openTls(host: string, port: number, tls: TlsOptions, step: Step): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host, port, ...tlsConnectOptions(host, tls) })
    step.scope.adopt(socket)
    socket.once('connect', () => step.enter('tls', 'TLS handshake'))
    socket.once('secureConnect', () => resolve(socket))
    socket.once('error', reject)
  })
}

/**
 * What the peer sends, kept up to {@link MAX_EXPECT_BYTES} and matched against `expect`
 * once per batch of chunks (a flood of 1-byte packets costs one match per event-loop turn,
 * on at most 4 KiB).
 */
class Reader {
  readonly done: Promise<void>
  private resolve!: () => void
  private readonly chunks: Buffer[] = []
  private bytes = 0
  private text = ''
  private matched = false
  private closed = false
  private scheduled = false

  constructor(readonly expect: Pattern) {
    this.done = new Promise((resolve) => {
      this.resolve = resolve
    })
  }

  listen(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      if (this.bytes >= MAX_EXPECT_BYTES) return
      const kept = chunk.length > MAX_EXPECT_BYTES - this.bytes ? chunk.subarray(0, MAX_EXPECT_BYTES - this.bytes) : chunk
      this.chunks.push(kept)
      this.bytes += kept.length
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => this.match())
      }
    })
    // a peer that closes after its answer: what it sent is judged once, as it stands
    socket.once('end', () => {
      this.closed = true
      setImmediate(() => this.match())
    })
    socket.once('close', () => {
      this.closed = true
      setImmediate(() => this.match())
    })
  }

  private match(): void {
    this.scheduled = false
    if (this.chunks.length > 1) this.chunks.splice(0, this.chunks.length, Buffer.concat(this.chunks))
    this.text = this.chunks[0]?.toString('utf8') ?? ''
    this.matched = patternMatches(this.expect, this.text)
    if (this.matched || this.closed || this.bytes >= MAX_EXPECT_BYTES) this.resolve()
  }

  /** What was received, for the result. */
  observed(): Pick<TcpObserved, 'received' | 'receivedBytes' | 'matched' | 'peerClosed'> {
    return {
      received: peerText(this.text),
      receivedBytes: this.bytes,
      matched: this.matched,
      ...(this.closed && !this.matched && { peerClosed: true }),
    }
  }

  /** What was received so far, when the deadline hits. */
  sofar(): Pick<TcpObserved, 'received' | 'receivedBytes'> {
    const text = this.chunks.length > 0 ? Buffer.concat(this.chunks).toString('utf8') : ''
    return { received: peerText(text), receivedBytes: this.bytes }
  }
}

function noAnswer(where: string, step: Step, observed: TcpObserved, reader: Reader | undefined): ProbeError {
  if (!reader)
    return {
      code: 'ETIMEDOUT',
      message: `connected to ${where}, but could not send within ${formatMs(step.timeoutMs)}`,
      hint: 'the peer does not read what is sent: is it the right port, or is the service stuck?',
    }
  Object.assign(observed, reader.sofar())
  const sent = observed.sentBytes === undefined ? '' : `, sent ${plural(observed.sentBytes, 'byte')}`
  return {
    code: 'ETIMEDOUT',
    message: `connected to ${where}${sent}, but received no data ${describePattern(reader.expect)} within ${formatMs(step.timeoutMs)}; received ${quoteReceived(observed)}`,
    hint:
      observed.receivedBytes === 0
        ? 'the peer accepted the connection and said nothing: does this service speak first (a banner), or does it need `send` (with its line ending, \\r\\n)?'
        : 'the peer answered something else: is this the service you meant on this port, and is `expect` what it sends?',
  }
}

function unexpectedAnswer(expect: Pattern, observed: TcpObserved): string {
  const what = (observed.receivedBytes ?? 0) >= MAX_EXPECT_BYTES ? `the first ${formatBytes(MAX_EXPECT_BYTES)} received` : 'what was received'
  const closed = observed.peerClosed ? ', and the peer closed the connection' : ''
  return `${what} ${describeMismatch(expect)}${closed}`
}

function quoteReceived(observed: TcpObserved): string {
  if (!observed.receivedBytes) return 'nothing'
  return `"${observed.received ?? ''}" (${plural(observed.receivedBytes, 'byte')})`
}

function checkSend(value: unknown): Buffer | undefined {
  const payload = checkPayload('send', value)
  if (payload?.bytes === 0) throw new TargetError('send must not be empty: leave it out to send nothing')
  return payload && Buffer.from(payload.data)
}
