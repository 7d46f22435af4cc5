/**
 * The options of the HTTP probe, and their validation: every option is checked before
 * anything is sent, so that bad input is a clear {@link TargetError}, never a request
 * with mangled headers nor a failed check that `.not` would turn into a pass.
 *
 * @module
 */
import { TargetError } from '../core/errors.ts'
import type { ProbeOptions } from '../core/result.ts'
import { checkBoolean, checkBytes, checkOptions, describeValue } from '../core/validate.ts'
import { registerNamedSecret, registerSecret } from '../core/redact.ts'
import { parseUrl } from '../core/targets.ts'
import { checkTlsOptions, type TlsOptions } from '../core/tls-options.ts'

/** A status class such as `'2xx'`. */
export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx'

/** Expected status: a code, a class, or a list of either. */
export type StatusExpectation = number | StatusClass | ReadonlyArray<number | StatusClass>

/** TLS settings of an HTTPS check. */
export type HttpTlsOptions = TlsOptions

/** Options of `probeHttp`: the request, the expectations on the response, and transport settings. */
export interface HttpProbeOptions extends ProbeOptions {
  /** Request method. Default `GET`. */
  method?: string
  /**
   * Request headers: Latin-1 text on one line. Values of secret-looking names
   * (`Authorization`, `*-Token`, `*-Key`, `X-Auth`, `*-Signature`, `*-Session-Id`) and of each
   * cookie are never printed, and are not sent on when a redirect leaves the origin.
   * Connection-level headers (`connection`, `transfer-encoding`, `expect`…) are refused: the
   * probe sets them.
   */
  headers?: Record<string, string | number> | Headers
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
  /** TLS settings. */
  tls?: HttpTlsOptions
  /** Proxy URL for this check. Default: `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` from the environment. */
  proxy?: string
  /**
   * Offer HTTP/2 (ALPN `h2`, then `http/1.1`) and fail unless the server chooses HTTP/2.
   * HTTPS only (HTTP/2 is negotiated in the TLS handshake); not through a proxy, which would
   * negotiate its own. Default false: HTTP/1.1.
   */
  http2?: boolean
  /**
   * How much of the body to keep for the checks above. Default 1 MiB. The rest is read to
   * its end and discarded, within `maxReceivedBytes` (default 8 MiB, or this + 1 MiB when larger).
   */
  maxBodyBytes?: number
}

/** Default cap on the body kept in memory: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024
/** Default budget of bytes an HTTP check accepts (headers and body, read to the end and discarded past `maxBodyBytes`): 8 MiB. */
export const DEFAULT_HTTP_MAX_RECEIVED_BYTES = 8 * 1024 * 1024
/** Default maximum number of redirects followed. */
export const DEFAULT_MAX_REDIRECTS = 10

/** The request, validated. */
export interface CheckedRequest {
  method: string
  headers: Record<string, string>
  body: string | Uint8Array | undefined
  maxRedirects: number
  maxBodyBytes: number
  /** Bytes accepted from the peer, in all. */
  maxReceivedBytes: number
  tls: HttpTlsOptions
  proxy?: string
  /** Offer HTTP/2 (and HTTP/1.1) in ALPN. */
  http2: boolean
}

/** The expectations, validated. */
export interface Expectations {
  status: ReadonlyArray<number | StatusClass>
  bodyIncludes: readonly string[]
  bodyMatches?: RegExp
  json?: unknown
  hasJson: boolean
  headersMatch: Array<[string, string | RegExp]>
  /** The response must come over HTTP/2. */
  http2: boolean
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** The options of {@link HttpProbeOptions}, beside those every probe takes. */
const HTTP_OPTIONS = [
  'method',
  'headers',
  'body',
  'status',
  'bodyIncludes',
  'bodyMatches',
  'json',
  'headersMatch',
  'followRedirects',
  'tls',
  'proxy',
  'maxBodyBytes',
  'http2',
]

// field values are Latin-1 on one line: visible characters, spaces and tabs (RFC 9110 §5.5)
const BAD_HEADER_VALUE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]|[^\u0000-\u00ff]/
/** Headers of the connection, not of the request: the probe (and undici) set them. */
const CONNECTION_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'content-length',
])

/**
 * Validates the request part of the options and prepares headers (basic auth from the
 * URL's userinfo, JSON bodies). Secret header values are registered for redaction.
 *
 * @example
 * checkRequest(new URL('https://u:p@api/x'), { method: 'post', body: { a: 1 } }).headers
 * // { authorization: 'Basic dTpw', 'content-type': 'application/json' }
 */
export function checkRequest(url: URL, options: HttpProbeOptions): CheckedRequest {
  checkOptions(options, HTTP_OPTIONS)
  if (options.method !== undefined && (typeof options.method !== 'string' || !TOKEN.test(options.method) || /^connect$/i.test(options.method))) {
    throw new TargetError(`method must be an HTTP method such as "GET", "HEAD" or "POST", got ${describeValue(options.method)}`)
  }
  const method = (options.method ?? 'GET').toUpperCase()
  const headers: Record<string, string> = {}
  for (const [name, value] of headerEntries(options.headers)) {
    if (typeof name !== 'string' || !TOKEN.test(name)) throw new TargetError(`header name ${describeValue(name)} is not a valid HTTP header name`)
    if (typeof value !== 'string' && typeof value !== 'number') throw new TargetError(`header ${name} must be a string, got ${describeValue(value)}`)
    const text = String(value)
    if (BAD_HEADER_VALUE.test(text)) {
      throw new TargetError(
        `header ${name} contains a line break, a control character or a character beyond Latin-1 (such as U+2028): header values must be one line of Latin-1 text (percent-encode the rest)`,
      )
    }
    const lower = name.toLowerCase()
    if (CONNECTION_HEADERS.has(lower)) {
      throw new TargetError(
        `header ${name} cannot be set: it belongs to the connection, which the probe manages (${lower === 'expect' ? 'the probe never waits for 100 Continue' : lower === 'content-length' ? 'it is computed from the body' : 'one request on its own connection'})`,
      )
    }
    registerNamedSecret(name, text)
    if (lower === 'cookie') for (const cookie of text.split(';')) registerSecret(cookie.slice(cookie.indexOf('=') + 1).trim())
    headers[lower] = text
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
    if (!Array.isArray(options.body) && !isPlainObject(options.body)) {
      throw new TargetError(`body must be a string, bytes, or a plain object / array to send as JSON; got ${describeValue(options.body)}`)
    }
    try {
      body = JSON.stringify(options.body)
    } catch (error) {
      throw new TargetError(`body cannot be sent as JSON: ${(error as Error).message.split('\n')[0]} (does it refer to itself, or hold a BigInt?)`)
    }
    headers['content-type'] ??= 'application/json'
  }
  const follow = options.followRedirects ?? true
  if (typeof follow !== 'boolean' && !(Number.isInteger(follow) && follow >= 0 && follow <= 100)) {
    throw new TargetError(`followRedirects must be true, false or a number of redirects (0-100), got ${describeValue(follow)}`)
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 0)
    throw new TargetError(`maxBodyBytes must be a whole number of bytes, got ${describeValue(maxBodyBytes)}`)
  const maxReceivedBytes =
    checkBytes('maxReceivedBytes', options.maxReceivedBytes) ?? Math.max(DEFAULT_HTTP_MAX_RECEIVED_BYTES, maxBodyBytes + 1024 * 1024)
  if (options.proxy !== undefined) parseUrl(options.proxy, ['http:', 'https:'], 'a proxy URL such as http://proxy:3128')
  const http2 = checkBoolean('http2', options.http2) ?? false
  if (http2 && url.protocol !== 'https:')
    throw new TargetError('http2 needs an https:// URL: HTTP/2 is negotiated in the TLS handshake (ALPN); cleartext HTTP/2 (h2c) is not checked')
  if (http2 && options.proxy !== undefined)
    throw new TargetError(
      'http2 cannot be checked through a proxy: the proxy negotiates its own protocol with the server; check from a host that reaches it directly',
    )
  return {
    http2,
    method,
    headers,
    body,
    maxRedirects: follow === true ? DEFAULT_MAX_REDIRECTS : follow === false ? 0 : follow,
    maxBodyBytes,
    maxReceivedBytes,
    tls: checkTlsOptions(options.tls) ?? {},
    ...(options.proxy !== undefined && { proxy: options.proxy }),
  }
}

/**
 * Validates the expectation part of the options.
 *
 * @example
 * checkExpectations({ status: [200, '3xx'] }).status // [200, '3xx']
 */
export function checkExpectations(options: HttpProbeOptions): Expectations {
  const status =
    options.status === undefined ? ['2xx' as const] : Array.isArray(options.status) ? options.status : [options.status as number | StatusClass]
  if (status.length === 0) throw new TargetError('status must not be an empty list')
  for (const s of status) {
    const valid = (typeof s === 'number' && Number.isInteger(s) && s >= 100 && s <= 599) || (typeof s === 'string' && /^[1-5]xx$/.test(s))
    if (!valid) throw new TargetError(`status must be a code (100-599), a class like '2xx', or a list of them; got ${describeValue(s)}`)
  }
  const includes = options.bodyIncludes === undefined ? [] : Array.isArray(options.bodyIncludes) ? options.bodyIncludes : [options.bodyIncludes]
  for (const text of includes)
    if (typeof text !== 'string') throw new TargetError(`bodyIncludes must be a string or a list of strings, got ${describeValue(text)}`)
  if (options.bodyMatches !== undefined && !(options.bodyMatches instanceof RegExp)) {
    throw new TargetError(`bodyMatches must be a RegExp, got ${describeValue(options.bodyMatches)}`)
  }
  if (options.headersMatch !== undefined && !isPlainObject(options.headersMatch)) {
    throw new TargetError(`headersMatch must be an object of header name → string or RegExp, got ${describeValue(options.headersMatch)}`)
  }
  const headersMatch = Object.entries(options.headersMatch ?? {}).map(([name, want]): [string, string | RegExp] => {
    if (typeof want !== 'string' && !(want instanceof RegExp))
      throw new TargetError(`headersMatch.${name} must be a string or a RegExp, got ${describeValue(want)}`)
    return [name.toLowerCase(), want]
  })
  return {
    status,
    bodyIncludes: includes as string[],
    bodyMatches: options.bodyMatches,
    json: options.json,
    hasJson: options.json !== undefined,
    headersMatch,
    http2: options.http2 === true,
  }
}

function headerEntries(headers: unknown): Array<[string, unknown]> {
  if (headers === undefined) return []
  if (headers instanceof Headers) return [...headers.entries()]
  if (!isPlainObject(headers)) throw new TargetError(`headers must be an object of name → value, got ${describeValue(headers)}`)
  return Object.entries(headers as Record<string, unknown>)
}

function isPlainObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * An expected status in words.
 *
 * @example
 * describeStatus([200]) // '200'
 * describeStatus([200, '3xx']) // 'one of 200, 3xx'
 */
export function describeStatus(status: ReadonlyArray<number | StatusClass>): string {
  return status.length === 1 ? String(status[0]) : `one of ${status.join(', ')}`
}
