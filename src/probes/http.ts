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
import { MAX_INTERIM } from './http-informational.ts'
import { STATUS_CODES } from 'node:http'
import type { Dispatcher } from 'undici'
import { once } from '../core/drivers.ts'
import { matches, matchPartial } from '../core/match.ts'
import { noConnection, noTlsHandshake, ProbeFailure, runExchange, type Step } from '../core/exchange.ts'
import { describeNetworkError, errorCode, errorMessage } from '../core/network-errors.ts'
import { isSecretName, MASK, redact, registerUrlSecrets } from '../core/redact.ts'
import type { ProbeError, ProbeResult } from '../core/result.ts'
import { displayUrl, hostPort, parseUrl } from '../core/targets.ts'
import { cutList, excerpt, formatBytes, formatMs, peerText } from '../core/text.ts'
import { checkLimits, describeValue } from '../core/validate.ts'
import { createDispatcher, currentPhase, enterPhase, type HttpProgress } from './http-dispatcher.ts'
import { type CheckedRequest, checkExpectations, checkRequest, describeStatus, type Expectations, type HttpProbeOptions } from './http-options.ts'

export type { HttpProbeOptions, HttpTlsOptions, StatusClass, StatusExpectation } from './http-options.ts'

const loadUndici = once(() => import('undici'))

/** What {@link probeHttp} observed. */
export interface HttpObserved {
  /** Final status code (after redirects), when a response arrived. */
  status?: number
  statusText?: string
  /** Final URL, redacted. */
  url: string
  /** Redirects followed, in order (redacted `Location` targets). */
  redirects: string[]
  /** Response headers (lower-case names), redacted; `set-cookie` values masked. */
  headers: Record<string, string>
  /**
   * The body as text (at most `maxBodyBytes`), redacted when first read (a check that never
   * reads it does not pay for it). The expectations read the body as it came.
   */
  body: string
  /** The start of the body for messages: 300 characters, redacted and printable; `(empty)`, `(binary, N bytes)`. */
  excerpt: string
  /** Bytes of body received in all. */
  bodyBytes: number
  /** True when the body was larger than `maxBodyBytes`. */
  bodyTruncated: boolean
  /** False when the probe stopped reading the body: more than `maxReceivedBytes` came (the check fails with `ETOOLARGE`). */
  bodyComplete: boolean
  /** HTTP version of the final response (`2`, `1.1`, `1.0`): known on a direct connection, not through a proxy. */
  httpVersion?: string
  /** Time to establish the connection (TCP + TLS) of the last request, when known. */
  connectMs?: number
  /** Unrequested `100 Continue` responses the server sent before its response (skipped, as RFC 9110 §15.2 asks). */
  continues: number
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
/** Headers never sent on to another origin, besides every header whose name looks secret. */
const CROSS_ORIGIN_DROPPED = new Set(['authorization', 'proxy-authorization', 'cookie'])

/**
 * Requests `target` and checks the response: status, headers, body, JSON, latency.
 *
 * @example
 * const result = await probeHttp('https://api.example.com/health', { status: 200, json: { status: 'ok' }, maxLatencyMs: 300 })
 * if (!result.ok) console.error(result.error?.message ?? result.failures.join('; '))
 */
export async function probeHttp(target: string | URL, options: HttpProbeOptions = {}, signal?: AbortSignal): Promise<ProbeResult<HttpObserved>> {
  const url = parseUrl(target, ['http:', 'https:'], 'an http(s) URL')
  const request = checkRequest(url, options)
  const limits = checkLimits(options)
  const expectations = checkExpectations(options)
  const where = hostPort(url, url.protocol === 'https:' ? 443 : 80)
  const observed: HttpObserved = {
    url: displayUrl(url),
    redirects: [],
    headers: {},
    body: '',
    excerpt: '',
    bodyBytes: 0,
    bodyTruncated: false,
    bodyComplete: true,
    continues: 0,
  }
  const response: Response = { headers: {}, body: '' }
  const progress: HttpProgress = { direct: false, bytes: 0, continues: 0 }
  const undici = await loadUndici()
  let dispatcher: Dispatcher | undefined
  // the body has its own budget (readBody), which says more; the sockets' allows for headers,
  // framing and what undici has buffered ahead of the body's reader
  const receiveBudget = request.maxReceivedBytes + 1024 * 1024
  return runExchange(
    { where, target: displayUrl(url), limits, receiveBudget, observed, signal },
    {
      exchange: async (step) => {
        dispatcher = createDispatcher(undici, request, url, limits.timeoutMs, progress, step)
        await exchange(undici, dispatcher, url, request, observed, response, progress, step)
      },
      timeout: (step) => describeTimeout(where, progress, step),
      // an argument undici refuses is bad input (probeResult throws it), but not on a hop the server chose
      describe: (caught, step) =>
        observed.redirects.length > 0 && isInvalidArgument(caught)
          ? {
              code: 'EBADREDIRECT',
              message: `the redirect to ${observed.redirects.at(-1)} cannot be followed: ${errorMessage(caught)}`,
              hint: 'fix the Location header the server sends',
            }
          : describeHttpError(caught, url, where, progress, step),
      close: () => {
        observed.connectMs = progress.connectMs
        observed.continues = progress.continues
        if (progress.httpVersion) observed.httpVersion = progress.httpVersion
        dispatcher?.destroy().catch(() => {})
      },
      failures: () => checkResponse(observed, response, expectations),
      summary: () => `HTTP ${observed.status} ${observed.statusText ?? ''}`.trim(),
    },
  )
}

/** The response as it came, for the expectations (what `observed` holds is redacted). */
interface Response {
  headers: Record<string, string>
  body: string
}

async function exchange(
  undici: typeof import('undici'),
  dispatcher: Dispatcher,
  start: URL,
  request: CheckedRequest,
  observed: HttpObserved,
  kept: Response,
  progress: HttpProgress,
  step: Step,
): Promise<void> {
  let url = start
  let { method, body } = request
  const headers = { ...request.headers }
  const visited = new Set([`${method} ${url.href}`])
  for (;;) {
    const plain = new URL(url.href)
    plain.username = ''
    plain.password = ''
    // pipelining 0: every hop opens its own connection (our connector marks its phases)
    enterPhase(step, 'connecting')
    const response = await undici.request(plain, { dispatcher, method: method as Dispatcher.HttpMethod, headers, body, signal: step.deadline.signal })
    progress.status = response.statusCode
    enterPhase(step, 'reading body')
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
      // credentials stay with their origin: every header whose name looks secret is dropped
      if (next.origin !== url.origin)
        for (const name of Object.keys(headers)) if (CROSS_ORIGIN_DROPPED.has(name) || isSecretName(name)) delete headers[name]
      const key = `${method} ${next.href}`
      if (visited.has(key)) {
        throw httpFailure(
          'EREDIRECTLOOP',
          `redirect loop: ${cutList([observed.url, ...observed.redirects], { maxItems: 12, itemChars: 120, separator: ' → ' })}`,
          'the server redirects back to a URL already visited: check its redirect rules (http↔https, trailing slash, host name)',
        )
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
    kept.headers = flattenHeaders(response.headers)
    observed.headers = redactHeaders(kept.headers)
    await readBody(response.body, request, observed, kept, progress)
    return
  }
}

function resolveRedirect(from: URL, location: string, followed: string[], maxRedirects: number): URL {
  if (followed.length >= maxRedirects) {
    throw httpFailure(
      'ETOOMANYREDIRECTS',
      `more than ${maxRedirects} redirects: ${cutList([displayUrl(from), ...followed], { maxItems: 12, itemChars: 120, separator: ' → ' })}`,
      'the chain of redirects does not end: check the redirect rules, or raise followRedirects if the chain is expected',
    )
  }
  let next: URL
  try {
    next = new URL(location, from)
  } catch {
    throw httpFailure('EBADREDIRECT', `redirected to an invalid Location ${describeValue(location)}`, 'fix the Location header the server sends')
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw httpFailure(
      'EREDIRECTSCHEME',
      `redirected to ${peerText(next.href, 200)}, which is not http(s)`,
      'the server redirects to another protocol: point the check at the final http(s) URL',
    )
  }
  registerUrlSecrets(next.href)
  return next
}

/**
 * Reads the body to its end, so that a truncated or lying body fails; keeps the first
 * `maxBodyBytes`. Past `maxReceivedBytes` in all it stops and drops the connection: the
 * check fails with `ETOOLARGE` (memory stays bounded whatever the server sends).
 */
async function readBody(
  body: AsyncIterable<Uint8Array> & { destroy(): void },
  request: CheckedRequest,
  observed: HttpObserved,
  kept: Response,
  progress: HttpProgress,
): Promise<void> {
  const chunks: Uint8Array[] = []
  let keptBytes = 0
  for await (const chunk of body) {
    progress.bytes += chunk.byteLength
    if (keptBytes < request.maxBodyBytes) {
      const part = chunk.byteLength <= request.maxBodyBytes - keptBytes ? chunk : chunk.subarray(0, request.maxBodyBytes - keptBytes)
      chunks.push(part)
      keptBytes += part.byteLength
    }
    if (progress.bytes > request.maxReceivedBytes) {
      observed.bodyComplete = false
      observed.bodyBytes = progress.bytes
      body.destroy()
      throw httpFailure(
        'ETOOLARGE',
        `the body is larger than ${formatBytes(request.maxReceivedBytes)} (status ${observed.status}): the check stopped reading`,
        'a health endpoint answers in a few bytes: is this the URL you meant? If the body really is that large, raise maxReceivedBytes',
      )
    }
  }
  observed.bodyBytes = progress.bytes
  observed.bodyTruncated = progress.bytes > keptBytes
  const text = new TextDecoder().decode(Buffer.concat(chunks))
  kept.body = text
  // cap first: the message needs 300 characters; the whole body is redacted only if someone reads it
  observed.excerpt = excerpt(text, observed.bodyBytes)
  let shown: string | undefined
  Object.defineProperty(observed, 'body', { enumerable: true, configurable: true, get: () => (shown ??= redact(text)) })
}

function checkResponse(observed: HttpObserved, response: Response, expect: Expectations): string[] {
  const failures: string[] = []
  if (expect.http2 && observed.httpVersion !== '2')
    failures.push(
      observed.httpVersion
        ? `the server chose HTTP/${observed.httpVersion}, expected HTTP/2 (ALPN h2)`
        : 'the HTTP version is not known (through a proxy), expected HTTP/2: exempt this host with NO_PROXY',
    )
  const status = observed.status ?? 0
  if (!expect.status.some((s) => (typeof s === 'number' ? s === status : Math.floor(status / 100) === Number(s[0])))) {
    failures.push(`status ${status}, expected ${describeStatus(expect.status)}`)
  }
  for (const [name, want] of expect.headersMatch) {
    const got = response.headers[name]
    if (got === undefined) failures.push(`header ${name} is missing, expected ${describeWanted(want)}`)
    else if (typeof want === 'string' ? got.trim() !== want : !matches(want, got))
      failures.push(`header ${name} is "${peerText(got, 120)}", expected ${describeWanted(want)}`)
  }
  const truncated = observed.bodyTruncated ? ` (only the first ${formatBytes(Buffer.byteLength(response.body))} were kept: raise maxBodyBytes)` : ''
  for (const text of expect.bodyIncludes)
    if (!response.body.includes(text)) failures.push(`body does not include ${JSON.stringify(text)}${truncated}`)
  if (expect.bodyMatches && !matches(expect.bodyMatches, response.body))
    failures.push(`body does not match ${String(expect.bodyMatches)}${truncated}`)
  if (expect.hasJson) {
    let parsed: unknown
    try {
      parsed = JSON.parse(response.body)
    } catch (error) {
      failures.push(`body is not JSON (${errorMessage(error)})${truncated}`)
      return failures
    }
    failures.push(...matchPartial(parsed, expect.json).map((f) => `JSON ${f}`))
  }
  return failures
}

function describeWanted(want: string | RegExp): string {
  return typeof want === 'string' ? JSON.stringify(want) : `a match of ${String(want)}`
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value
  return flat
}

/** The headers as reports may show them: values redacted, cookies and secret-named headers masked. */
function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const shown: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    shown[name] = name === 'set-cookie' ? value.replace(/=[^;,]*/g, `=${MASK}`) : isSecretName(name) ? MASK : redact(value)
  }
  return shown
}

/** A failure of the HTTP flow itself (redirects, body size), raised to the kernel as it is. */
function httpFailure(code: string, message: string, hint: string): ProbeFailure {
  return new ProbeFailure({ code, message, hint })
}

function describeHttpError(error: unknown, url: URL, where: string, progress: HttpProgress, step: Step): ProbeError {
  if (progress.interimFlood) {
    return {
      code: 'EPROTOCOL',
      message: `${where} sent more than ${MAX_INTERIM} interim (1xx) responses and no final one: the check stopped reading`,
      hint: 'a server sends one 100 Continue or a few 103 Early Hints, not a stream of them: check the server, or the proxy in front of it',
    }
  }
  const phase = currentPhase(step)
  const code = errorCode(error)
  if (code.startsWith('HPE_') || (error as Error | undefined)?.name === 'HTTPParserError') {
    // one stable code (docs/errors.md); the parser's own (HPE_…) stays in the message
    return {
      code: 'EBADHTTP',
      message: `${where} sent an invalid HTTP response (${code ? `${code}: ` : ''}${redact(errorMessage(error))})`,
      hint:
        url.protocol === 'http:'
          ? 'the port may not speak HTTP (or it expects TLS: try https://)'
          : 'the server does not speak valid HTTP on this port',
    }
  }
  if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
    return {
      code: 'EBADLENGTH',
      message: `the body length does not match Content-Length (${progress.bytes} bytes received)`,
      hint: 'the server or a proxy truncates responses, or sends a wrong Content-Length',
    }
  }
  // before the first byte through a proxy, a network failure is the proxy's
  const viaProxy = progress.proxy !== undefined && !progress.direct && phase !== 'reading body'
  if (viaProxy && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|UND_ERR_SOCKET|UND_ERR_CLOSED)$/.test(code)) {
    const described = describeNetworkError(error, `the proxy ${progress.proxy}`)
    return {
      ...described,
      message: `${described.message} (for ${where})`,
      hint: 'check the proxy: its address (the proxy option, HTTPS_PROXY / HTTP_PROXY), that it runs, and that it may reach the target',
    }
  }
  if (viaProxy && /Proxy response \((\d+)\)/.test(errorMessage(error))) {
    const status = /Proxy response \((\d+)\)/.exec(errorMessage(error))?.[1]
    return {
      code: 'EPROXY',
      message: `the proxy ${progress.proxy} refused to connect to ${where} (HTTP ${status})`,
      hint:
        status === '407' ? 'the proxy wants credentials: put them in the proxy URL' : 'the proxy does not allow this destination: check its rules',
    }
  }
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'UND_ERR_CLOSED') {
    const when =
      phase === 'reading body'
        ? `in the middle of the body (status ${progress.status}, ${progress.bytes} bytes received)`
        : phase === 'waiting for headers'
          ? 'before sending a response'
          : phase === 'TLS handshake'
            ? 'during the TLS handshake'
            : 'while connecting'
    // a TLS port asked in plain text hangs up at once, before any response
    const plainToTls = url.protocol === 'http:' && phase === 'waiting for headers'
    return {
      code: code === 'ECONNRESET' ? code : 'ECONNCLOSED',
      message: `${where} closed the connection ${when}`,
      hint: plainToTls
        ? 'the server hung up without a response: if this port speaks TLS, use https://; else it crashed, was restarted, or a proxy cut the connection (check its logs)'
        : 'the server crashed, was restarted, or a proxy or load balancer cut the connection: check its logs',
    }
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return describeTimeout(where, progress, { timeoutMs: step.timeoutMs, label: 'connecting' })
  return describeNetworkError(error, where)
}

function describeTimeout(where: string, progress: HttpProgress, step: Pick<Step, 'timeoutMs' | 'label'>): ProbeError {
  const limit = formatMs(step.timeoutMs)
  const phase = currentPhase(step)
  if (progress.proxy !== undefined && !progress.direct && phase !== 'reading body') {
    return {
      code: 'ETIMEDOUT',
      message: `no response from ${where} through the proxy ${progress.proxy} within ${limit}`,
      hint: 'the proxy or the target did not answer: check that the proxy runs and may reach the target',
    }
  }
  if (phase === 'connecting') return noConnection(where, step.timeoutMs)
  if (phase === 'TLS handshake') return noTlsHandshake(where, step.timeoutMs)
  if (phase === 'waiting for headers') {
    const connected = progress.connectMs === undefined ? '' : `connected in ${formatMs(progress.connectMs)}, but `
    return {
      code: 'ETIMEDOUT',
      message: `${connected}no response from ${where} within ${limit}`,
      hint: 'the server accepted the connection but did not answer: is the application hung, overloaded or waiting on a dependency?',
    }
  }
  return {
    code: 'ETIMEDOUT',
    message: `status ${progress.status} arrived, but the body was not complete within ${limit} (${progress.bytes} bytes received)`,
    hint: 'the server sends the body too slowly or never ends it: check the handler and any proxy buffering',
  }
}

/** Arguments undici refuses before it sends anything (a header it will not send, a bad option). */
function isInvalidArgument(error: unknown): boolean {
  return /^(UND_ERR_INVALID_ARG|UND_ERR_NOT_SUPPORTED|ERR_INVALID_.*|ERR_HTTP_INVALID_HEADER_VALUE)$/.test(errorCode(error))
}

function statusText(status: number): string {
  return STATUS_CODES[status] ?? ''
}
