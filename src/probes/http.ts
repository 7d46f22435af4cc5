/**
 * HTTP(S) probe, on undici.
 *
 * One request (plus the redirects it follows) under one deadline that covers connect,
 * TLS, headers **and** the whole body. The body is read to its end so that a truncated,
 * lying or endless response fails, but only the first `maxBodyBytes` (1 MiB) are kept,
 * so a huge response cannot exhaust memory. Every probe opens its own connection and
 * closes it before returning: a check must see the service as a new client would, not
 * through a kept-alive socket.
 *
 * @module
 */
import { STATUS_CODES } from 'node:http'
import type { Dispatcher } from 'undici'
import { TargetError } from '../errors.ts'
import { matches, matchPartial } from '../match.ts'
import {
  type Deadline,
  DEFAULT_TIMEOUT_MS,
  describeNetworkError,
  describeValue,
  errorCode,
  errorMessage,
  checkDuration,
  formatMs,
  latencyFailure,
  type ProbeError,
  type ProbeOptions,
  type ProbeResult,
  startDeadline,
} from '../probe.ts'
import { isSecretName, MASK, redact, registerSecret, registerUrlSecrets } from '../redact.ts'
import { displayUrl, hostPort, parseUrl } from '../targets.ts'

/** A status class such as `'2xx'`. */
export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx'

/** Expected status: a code, a class, or a list of either. */
export type StatusExpectation = number | StatusClass | ReadonlyArray<number | StatusClass>

/** Options of {@link probeHttp}: the request, the expectations on the response, and transport settings. */
export interface HttpProbeOptions extends ProbeOptions {
  /** Request method. Default `GET`. */
  method?: string
  /** Request headers. Values of secret-looking names (`Authorization`, `*-Token`, `*-Key`) are never printed. */
  headers?: Record<string, string | number>
  /** Request body: a string, bytes, or a plain object / array sent as JSON. */
  body?: string | Uint8Array | Record<string, unknown> | unknown[]
  /** Expected status. Default `'2xx'` (after redirects). */
  status?: StatusExpectation
  /** Text(s) the response body must contain. */
  bodyIncludes?: string | readonly string[]
  /** Pattern the response body must match. */
  bodyMatches?: RegExp
  /** Partial deep match of the JSON body; RegExp values match strings. */
  json?: unknown
  /** Response headers to check (names case-insensitive): exact string or RegExp. */
  headersMatch?: Record<string, string | RegExp>
  /** Follow redirects: `true` (default, at most 10), `false`, or the maximum number. */
  followRedirects?: boolean | number
  /** TLS settings: `rejectUnauthorized` (default true), `ca` (PEM), `servername` (SNI). */
  tls?: { rejectUnauthorized?: boolean; ca?: string | Buffer | Array<string | Buffer>; servername?: string }
  /** Proxy URL for this check. Default: `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` from the environment. */
  proxy?: string
  /** How much of the body to keep for the checks above. Default 1 MiB; the rest is read and discarded. */
  maxBodyBytes?: number
}

/** What {@link probeHttp} observed. */
export interface HttpObserved {
  /** Final status code (after redirects), when a response arrived. */
  status?: number
  statusText?: string
  /** Final URL, redacted. */
  url: string
  /** Redirects followed, in order (redacted `Location` targets). */
  redirects: string[]
  /** Response headers (lower-case names); `set-cookie` values masked. */
  headers: Record<string, string>
  /** The body as text (at most `maxBodyBytes`), redacted. */
  body: string
  /** Bytes of body received in all. */
  bodyBytes: number
  /** True when the body was larger than `maxBodyBytes`. */
  bodyTruncated: boolean
  /** Time to establish the connection (TCP + TLS) of the last request, when known. */
  connectMs?: number
}

/** Default cap on the body kept in memory: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024
/** Default maximum number of redirects followed. */
export const DEFAULT_MAX_REDIRECTS = 10

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const HEADER_NAME = METHOD
const CROSS_ORIGIN_DROPPED = ['authorization', 'proxy-authorization', 'cookie']

type Progress = {
  phase: 'connecting' | 'waiting for headers' | 'reading body'
  /** False behind a proxy, where connect time is not ours to see. */
  direct: boolean
  connectMs?: number
  status?: number
  bytes: number
}

/**
 * Requests `target` and checks the response: status, headers, body, JSON, latency.
 *
 * @example
 * const result = await probeHttp('https://api.example.com/health', { status: 200, json: { status: 'ok' }, maxLatencyMs: 300 })
 * if (!result.ok) console.error(result.error?.message ?? result.failures.join('; '))
 */
export async function probeHttp(
  target: string | URL,
  options: HttpProbeOptions = {},
  signal?: AbortSignal,
): Promise<ProbeResult<HttpObserved>> {
  const url = parseUrl(target, ['http:', 'https:'], 'an http(s) URL')
  const request = checkRequest(url, options)
  const timeoutMs = checkDuration('timeoutMs', options.timeoutMs) ?? DEFAULT_TIMEOUT_MS
  const maxLatencyMs = checkDuration('maxLatencyMs', options.maxLatencyMs)
  const expectations = checkExpectations(options)

  const observed: HttpObserved = { url: displayUrl(url), redirects: [], headers: {}, body: '', bodyBytes: 0, bodyTruncated: false }
  const progress: Progress = { phase: 'connecting', direct: true, bytes: 0 }
  const undici = await import('undici')
  const deadline = startDeadline(timeoutMs, signal)
  const dispatcher = createDispatcher(undici, options, timeoutMs, progress, deadline)
  let error: ProbeError | undefined
  try {
    await Promise.race([exchange(undici, dispatcher, url, request, observed, progress, deadline), deadline.aborted])
  } catch (caught) {
    error = describeHttpError(caught, url, progress, deadline)
  } finally {
    deadline.clear()
    dispatcher.destroy().catch(() => {})
  }
  const latencyMs = deadline.elapsed()
  observed.connectMs = progress.connectMs
  const failures = error ? [] : [...checkResponse(observed, expectations), ...latencyFailure(latencyMs, maxLatencyMs)]
  return {
    ok: !error && failures.length === 0,
    target: displayUrl(url),
    latencyMs,
    summary: error ? `${error.code}: ${error.message}` : `HTTP ${observed.status} ${observed.statusText ?? ''}`.trim(),
    observed,
    failures,
    ...(error && { error }),
  }
}

interface CheckedRequest {
  method: string
  headers: Record<string, string>
  body: string | Uint8Array | undefined
  maxRedirects: number
  maxBodyBytes: number
}

function checkRequest(url: URL, options: HttpProbeOptions): CheckedRequest {
  if (options === null || typeof options !== 'object') throw new TargetError(`options must be an object, got ${describeValue(options)}`)
  const method = (options.method ?? 'GET').toUpperCase()
  if (typeof options.method !== 'undefined' && (typeof options.method !== 'string' || !METHOD.test(options.method))) {
    throw new TargetError(`method must be an HTTP method such as "GET" or "POST", got ${describeValue(options.method)}`)
  }
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw new TargetError(`header name ${describeValue(name)} is not a valid HTTP header name`)
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new TargetError(`header ${name} must be a string, got ${describeValue(value)}`)
    }
    const text = String(value)
    if (/[\r\n\0]/.test(text)) throw new TargetError(`header ${name} contains a line break or NUL: header values must be one line`)
    if (isSecretName(name) || name.toLowerCase() === 'authorization') registerSecret(text.replace(/^(Bearer|Basic|Token)\s+/i, ''))
    headers[name.toLowerCase()] = text
  }
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username)
    const password = decodeURIComponent(url.password)
    registerSecret(password)
    const basic = Buffer.from(`${user}:${password}`).toString('base64')
    registerSecret(basic)
    headers.authorization ??= `Basic ${basic}`
  }
  let body: string | Uint8Array | undefined
  if (typeof options.body === 'string' || options.body instanceof Uint8Array) body = options.body
  else if (options.body !== undefined) {
    if (options.body === null || typeof options.body !== 'object') {
      throw new TargetError(`body must be a string, bytes, or an object to send as JSON; got ${describeValue(options.body)}`)
    }
    body = JSON.stringify(options.body)
    headers['content-type'] ??= 'application/json'
  }
  const follow = options.followRedirects ?? true
  if (typeof follow !== 'boolean' && !(Number.isInteger(follow) && follow >= 0 && follow <= 100)) {
    throw new TargetError(`followRedirects must be true, false or a number of redirects (0-100), got ${describeValue(follow)}`)
  }
  const maxRedirects = follow === true ? DEFAULT_MAX_REDIRECTS : follow === false ? 0 : follow
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) throw new TargetError(`maxBodyBytes must be a whole number of bytes, got ${describeValue(maxBodyBytes)}`)
  if (options.proxy !== undefined) parseUrl(options.proxy, ['http:', 'https:'], 'a proxy URL such as http://proxy:3128')
  return { method, headers, body, maxRedirects, maxBodyBytes }
}

interface Expectations {
  status: ReadonlyArray<number | StatusClass>
  bodyIncludes: readonly string[]
  bodyMatches?: RegExp
  json?: unknown
  hasJson: boolean
  headersMatch: Array<[string, string | RegExp]>
}

function checkExpectations(options: HttpProbeOptions): Expectations {
  const status = options.status === undefined ? ['2xx' as const] : Array.isArray(options.status) ? options.status : [options.status as number | StatusClass]
  if (status.length === 0) throw new TargetError('status must not be an empty list')
  for (const s of status) {
    const valid = (typeof s === 'number' && Number.isInteger(s) && s >= 100 && s <= 599) || (typeof s === 'string' && /^[1-5]xx$/.test(s))
    if (!valid) throw new TargetError(`status must be a code (100-599), a class like '2xx', or a list of them; got ${describeValue(s)}`)
  }
  const includes = options.bodyIncludes === undefined ? [] : Array.isArray(options.bodyIncludes) ? options.bodyIncludes : [options.bodyIncludes]
  for (const text of includes) if (typeof text !== 'string') throw new TargetError(`bodyIncludes must be a string or a list of strings, got ${describeValue(text)}`)
  if (options.bodyMatches !== undefined && !(options.bodyMatches instanceof RegExp)) {
    throw new TargetError(`bodyMatches must be a RegExp, got ${describeValue(options.bodyMatches)}`)
  }
  const headersMatch = Object.entries(options.headersMatch ?? {}).map(([name, want]): [string, string | RegExp] => {
    if (typeof want !== 'string' && !(want instanceof RegExp)) throw new TargetError(`headersMatch.${name} must be a string or a RegExp, got ${describeValue(want)}`)
    return [name.toLowerCase(), want]
  })
  return { status, bodyIncludes: includes as string[], bodyMatches: options.bodyMatches, json: options.json, hasJson: 'json' in options && options.json !== undefined, headersMatch }
}

function createDispatcher(
  undici: typeof import('undici'),
  options: HttpProbeOptions,
  timeoutMs: number,
  progress: Progress,
  deadline: Deadline,
): Dispatcher {
  const tls = {
    ...(options.tls?.rejectUnauthorized !== undefined && { rejectUnauthorized: options.tls.rejectUnauthorized }),
    ...(options.tls?.ca !== undefined && { ca: options.tls.ca }),
    ...(options.tls?.servername !== undefined && { servername: options.tls.servername }),
  }
  // our deadline ends the exchange; undici's own timers only back it up
  const timers = { headersTimeout: timeoutMs + 1000, bodyTimeout: timeoutMs + 1000, connections: 1, pipelining: 0 }
  if (options.proxy !== undefined) {
    registerUrlSecrets(options.proxy)
    progress.direct = false
    return new undici.ProxyAgent({ uri: options.proxy, requestTls: tls, ...timers })
  }
  const env = process.env
  if (env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy) {
    progress.direct = false
    return new undici.EnvHttpProxyAgent({ connect: tls, requestTls: tls, ...timers })
  }
  const base = undici.buildConnector({ ...tls, timeout: timeoutMs + 1000 })
  const connect: typeof base = (opts, callback) => {
    progress.phase = 'connecting'
    const started = deadline.elapsed()
    base(opts, (...args) => {
      if (!args[0]) {
        progress.connectMs = deadline.elapsed() - started
        progress.phase = 'waiting for headers'
      }
      callback(...args)
    })
  }
  return new undici.Agent({ connect, ...timers })
}

async function exchange(
  undici: typeof import('undici'),
  dispatcher: Dispatcher,
  start: URL,
  request: CheckedRequest,
  observed: HttpObserved,
  progress: Progress,
  deadline: Deadline,
): Promise<void> {
  let url = start
  let { method, body } = request
  const headers = { ...request.headers }
  const visited = new Set([`${method} ${url.href}`])
  for (;;) {
    const plain = new URL(url.href)
    plain.username = ''
    plain.password = ''
    // pipelining 0: every hop opens its own connection, through our connector when direct
    progress.phase = progress.direct ? 'connecting' : 'waiting for headers'
    const response = await undici.request(plain, { dispatcher, method: method as Dispatcher.HttpMethod, headers, body, signal: deadline.signal })
    progress.status = response.statusCode
    progress.phase = 'reading body'
    const location = response.headers.location
    if (REDIRECT_STATUSES.has(response.statusCode) && typeof location === 'string' && request.maxRedirects > 0) {
      await response.body.dump({ limit: 64 * 1024 })
      const next = resolveRedirect(url, location, observed.redirects, request.maxRedirects)
      observed.redirects.push(displayUrl(next))
      if (response.statusCode === 303 ? method !== 'HEAD' : (response.statusCode === 301 || response.statusCode === 302) && method === 'POST') {
        method = 'GET'
        body = undefined
        delete headers['content-type']
        delete headers['content-length']
      }
      if (next.origin !== url.origin) for (const name of CROSS_ORIGIN_DROPPED) delete headers[name]
      const key = `${method} ${next.href}`
      if (visited.has(key)) {
        throw new HttpFlowError('EREDIRECTLOOP', `redirect loop: ${[observed.url, ...observed.redirects].join(' → ')}`,
          'the server redirects back to a URL already visited: check its redirect rules (http↔https, trailing slash, host name)')
      }
      visited.add(key)
      url = next
      progress.status = undefined
      progress.bytes = 0
      continue
    }
    observed.status = response.statusCode
    observed.statusText = statusText(response.statusCode)
    observed.url = displayUrl(url)
    observed.headers = flattenHeaders(response.headers)
    await readBody(response.body, request.maxBodyBytes, observed, progress)
    return
  }
}

function resolveRedirect(from: URL, location: string, followed: string[], maxRedirects: number): URL {
  if (followed.length >= maxRedirects) {
    throw new HttpFlowError('ETOOMANYREDIRECTS', `more than ${maxRedirects} redirects: ${[displayUrl(from), ...followed].slice(0, 12).join(' → ')}`,
      'the chain of redirects does not end: check the redirect rules, or raise followRedirects if the chain is expected')
  }
  let next: URL
  try {
    next = new URL(location, from)
  } catch {
    throw new HttpFlowError('EBADREDIRECT', `redirected to an invalid Location ${describeValue(location)}`, 'fix the Location header the server sends')
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new HttpFlowError('EREDIRECTSCHEME', `redirected to ${displayUrl(next)}, which is not http(s)`, 'the server redirects to another protocol: point the check at the final http(s) URL')
  }
  registerUrlSecrets(next.href)
  return next
}

async function readBody(body: AsyncIterable<Uint8Array>, maxBodyBytes: number, observed: HttpObserved, progress: Progress): Promise<void> {
  const kept: Uint8Array[] = []
  let keptBytes = 0
  for await (const chunk of body) {
    progress.bytes += chunk.byteLength
    if (keptBytes < maxBodyBytes) {
      const part = chunk.byteLength <= maxBodyBytes - keptBytes ? chunk : chunk.subarray(0, maxBodyBytes - keptBytes)
      kept.push(part)
      keptBytes += part.byteLength
    }
  }
  observed.bodyBytes = progress.bytes
  observed.bodyTruncated = progress.bytes > keptBytes
  observed.body = redact(new TextDecoder().decode(Buffer.concat(kept)))
}

function checkResponse(observed: HttpObserved, expect: Expectations): string[] {
  const failures: string[] = []
  const status = observed.status ?? 0
  if (!expect.status.some((s) => (typeof s === 'number' ? s === status : Math.floor(status / 100) === Number(s[0])))) {
    failures.push(`status ${status}, expected ${describeStatus(expect.status)}`)
  }
  for (const [name, want] of expect.headersMatch) {
    const got = observed.headers[name]
    if (got === undefined) failures.push(`header ${name} is missing, expected ${describeWanted(want)}`)
    else if (typeof want === 'string' ? got.trim() !== want : !matches(want, got)) failures.push(`header ${name} is ${JSON.stringify(got)}, expected ${describeWanted(want)}`)
  }
  const truncated = observed.bodyTruncated ? ` (only the first ${observed.body.length} characters were kept: raise maxBodyBytes)` : ''
  for (const text of expect.bodyIncludes) if (!observed.body.includes(text)) failures.push(`body does not include ${JSON.stringify(text)}${truncated}`)
  if (expect.bodyMatches && !matches(expect.bodyMatches, observed.body)) failures.push(`body does not match ${String(expect.bodyMatches)}${truncated}`)
  if (expect.hasJson) {
    let parsed: unknown
    try {
      parsed = JSON.parse(observed.body)
    } catch (error) {
      failures.push(`body is not JSON (${errorMessage(error)})${truncated}`)
      return failures
    }
    failures.push(...matchPartial(parsed, expect.json).map((f) => `JSON ${f}`))
  }
  return failures
}

/** `200`, `'2xx'`, `one of 200, 204` */
export function describeStatus(status: ReadonlyArray<number | StatusClass>): string {
  return status.length === 1 ? String(status[0]) : `one of ${status.join(', ')}`
}

function describeWanted(want: string | RegExp): string {
  return typeof want === 'string' ? JSON.stringify(want) : `a match of ${String(want)}`
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const text = Array.isArray(value) ? value.join(', ') : value
    flat[name] = name === 'set-cookie' ? text.replace(/=[^;,]*/g, `=${MASK}`) : redact(text)
  }
  return flat
}

class HttpFlowError extends Error {
  constructor(readonly code: string, message: string, readonly hint: string) {
    super(message)
  }
}

function describeHttpError(error: unknown, url: URL, progress: Progress, deadline: Deadline): ProbeError {
  const where = hostPort(url, url.protocol === 'https:' ? 443 : 80)
  if (error instanceof HttpFlowError) return { code: error.code, message: error.message, hint: error.hint }
  if (deadline.timedOut()) return describeTimeout(where, progress, deadline.timeoutMs)
  const code = errorCode(error)
  if (deadline.signal.aborted) {
    return { code: 'EABORTED', message: `aborted after ${formatMs(deadline.elapsed())} while ${progress.phase}: ${redact(errorMessage(deadline.signal.reason))}` }
  }
  if (code.startsWith('HPE_') || (error as Error | undefined)?.name === 'HTTPParserError') {
    return {
      code: code || 'EBADHTTP',
      message: `${where} sent an invalid HTTP response (${redact(errorMessage(error))})`,
      hint: url.protocol === 'http:' ? 'the port may not speak HTTP (or it expects TLS: try https://)' : 'the server does not speak valid HTTP on this port',
    }
  }
  if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
    return { code, message: `the body length does not match Content-Length (${progress.bytes} bytes received)`, hint: 'the server or a proxy truncates responses, or sends a wrong Content-Length' }
  }
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'UND_ERR_CLOSED') {
    const when = progress.phase === 'reading body'
      ? `in the middle of the body (status ${progress.status}, ${progress.bytes} bytes received)`
      : progress.phase === 'waiting for headers' ? 'before sending a response' : 'while connecting'
    return { code: code === 'ECONNRESET' ? code : 'ECONNCLOSED', message: `${where} closed the connection ${when}`, hint: 'the server crashed, was restarted, or a proxy or load balancer cut the connection: check its logs' }
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return describeTimeout(where, { ...progress, phase: 'connecting' }, deadline.timeoutMs)
  return describeNetworkError(error, where)
}

function describeTimeout(where: string, progress: Progress, timeoutMs: number): ProbeError {
  const limit = formatMs(timeoutMs)
  if (progress.phase === 'connecting') {
    return { code: 'ETIMEDOUT', message: `no connection to ${where} within ${limit}`, hint: 'the host does not answer: it is down, the IP is wrong, or a firewall drops the packets' }
  }
  if (progress.phase === 'waiting for headers') {
    const connected = progress.connectMs === undefined ? '' : `connected in ${formatMs(progress.connectMs)}, but `
    return { code: 'ETIMEDOUT', message: `${connected}no response from ${where} within ${limit}`, hint: 'the server accepted the connection but did not answer: is the application hung, overloaded or waiting on a dependency?' }
  }
  return {
    code: 'ETIMEDOUT',
    message: `status ${progress.status} arrived, but the body was not complete within ${limit} (${progress.bytes} bytes received)`,
    hint: 'the server sends the body too slowly or never ends it: check the handler and any proxy buffering',
  }
}

function statusText(status: number): string {
  return STATUS_CODES[status] ?? ''
}
