/**
 * The shape every probe returns, and the deadline every probe runs under.
 *
 * A probe never throws for a network outcome: refusals, timeouts, resets, TLS
 * failures and protocol errors all come back as a {@link ProbeResult} with
 * `ok: false` and an {@link ProbeError} that says what to fix. It throws only for
 * bad input or a missing driver (`errors.ts`), before anything is sent.
 *
 * @module
 */
import { X509Certificate } from 'node:crypto'
import { TargetError } from './errors.ts'
import type { ProbeScope } from './probe-scope.ts'
import { redact, redactInput } from './redact.ts'
import { formatBytes, peerText } from './text.ts'

/** Default deadline of a probe, in milliseconds, when neither the check nor the environment sets one. */
export const DEFAULT_TIMEOUT_MS = 5000

/** How much longer than its check deadline a test may run, so that the check's message wins over "Test timed out". */
export const TEST_TIMEOUT_MARGIN_MS = 1000

/** Why a probe could not complete its exchange with the target. */
export interface ProbeError {
  /** A stable code: a Node/driver code (`ECONNREFUSED`, `28P01`) or one of ours (`ETIMEDOUT`, `EBODYTOOSLOW`). */
  code: string
  /** What happened, in one sentence, secrets redacted. */
  message: string
  /** What to check or fix. */
  hint?: string
}

/** What a probe saw: the outcome of one check against one target. */
export interface ProbeResult<Observed = Record<string, unknown>> {
  /** True when the exchange completed and every expectation held. */
  ok: boolean
  /** The target, with credentials and secret parameters replaced by `***`. */
  target: string
  /** Wall time of the whole exchange, in milliseconds. */
  latencyMs: number
  /** One line saying what was observed, e.g. `HTTP 503 Service Unavailable`. */
  summary: string
  /** Protocol-specific detail: status, headers, body excerpt, server version… */
  observed: Observed
  /** Expectations that did not hold, one sentence each (empty when `ok` or when `error` is set). */
  failures: string[]
  /** Set when the exchange itself failed (refused, timed out, bad credentials…). */
  error?: ProbeError
}

/** Options every probe accepts. */
export interface ProbeOptions {
  /** Deadline for the whole exchange (connect, TLS, request, response, body), in ms. Default 5000. */
  timeoutMs?: number
  /** Fail when the exchange took longer than this, in ms. */
  maxLatencyMs?: number
  /**
   * Bytes the check accepts from its peer, in all (every socket, headers and body). Past it,
   * the check stops reading and fails with `ETOOLARGE`. Default 1 MiB (HTTP: 8 MiB).
   */
  maxReceivedBytes?: number
}

/** A deadline for one probe: an AbortSignal that fires on timeout or when the caller aborts. */
export interface Deadline {
  readonly signal: AbortSignal
  readonly timeoutMs: number
  /** True when the deadline (not the caller) ended the probe. */
  timedOut(): boolean
  /** Milliseconds since the probe started. */
  elapsed(): number
  /** Rejects with the abort reason once the deadline or the caller aborts. */
  readonly aborted: Promise<never>
  /** Releases the timer; call in `finally`. */
  clear(): void
}

/**
 * Starts a deadline of `timeoutMs` linked to an optional caller signal.
 *
 * @example
 * const deadline = startDeadline(2000, signal)
 * try { await fetchSomething({ signal: deadline.signal }) } finally { deadline.clear() }
 */
export function startDeadline(timeoutMs: number, signal?: AbortSignal): Deadline {
  const started = performance.now()
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort(new DeadlineError(timeoutMs))
  }, timeoutMs)
  const onCallerAbort = (): void => controller.abort(signal?.reason ?? new Error('aborted'))
  if (signal?.aborted) onCallerAbort()
  else signal?.addEventListener('abort', onCallerAbort, { once: true })
  const aborted = new Promise<never>((_, reject) => {
    const fail = (): void => reject(controller.signal.reason)
    if (controller.signal.aborted) fail()
    else controller.signal.addEventListener('abort', fail, { once: true })
  })
  aborted.catch(() => {})
  return {
    signal: controller.signal,
    timeoutMs,
    timedOut: () => timedOut,
    elapsed: () => performance.now() - started,
    aborted,
    clear() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onCallerAbort)
    },
  }
}

/**
 * The error of a probe its caller aborted (the test timed out, the run was cancelled, the
 * environment tore down), or undefined when it was not aborted, or timed out instead.
 *
 * @example
 * error = abortedError(deadline) ?? describeNetworkError(caught, where)
 */
export function abortedError(deadline: Deadline): ProbeError | undefined {
  if (!deadline.signal.aborted || deadline.timedOut()) return undefined
  return { code: 'EABORTED', message: `aborted after ${formatMs(deadline.elapsed())}: ${redact(errorMessage(deadline.signal.reason))}` }
}

/**
 * How long a probe may spend, after its deadline, asking the server to stop the work it
 * started (cancelling a query): 15 % of the deadline, between 50 ms and 1 s, so that the
 * verdict still comes within the deadline + 20 %.
 *
 * @example
 * cancelBudget(5000) // 750
 */
export function cancelBudget(timeoutMs: number): number {
  return Math.min(1000, Math.max(50, timeoutMs * 0.15))
}

/** The reason a deadline aborts with. */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError'
  readonly code = 'ETIMEDOUT'
  constructor(readonly timeoutMs: number) {
    super(`deadline of ${timeoutMs} ms exceeded`)
  }
}

/**
 * Checks that a probe's options are an object (or absent), and returns them.
 *
 * @example
 * const { count = 3 } = checkOptions(options)
 */
export function checkOptions<O extends object>(options: O | undefined): O {
  if (options === undefined) return {} as O
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TargetError(`options must be an object, got ${describeValue(options)}`)
  }
  return options
}

/**
 * Validates a `timeoutMs` / `maxLatencyMs`-style option: a positive finite number of milliseconds.
 *
 * @example
 * const timeoutMs = checkDuration('timeoutMs', options.timeoutMs) ?? DEFAULT_TIMEOUT_MS
 */
export function checkDuration(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 2_147_483_647) {
    throw new TargetError(`${name} must be a positive number of milliseconds, got ${describeValue(value)}`)
  }
  return value
}

/**
 * Validates a byte-count option such as `maxReceivedBytes`: a positive whole number.
 *
 * @example
 * const budget = checkBytes('maxReceivedBytes', options.maxReceivedBytes) ?? DEFAULT_MAX_RECEIVED_BYTES
 */
export function checkBytes(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new TargetError(`${name} must be a positive whole number of bytes, got ${describeValue(value)}`)
  }
  return value
}

/**
 * Validates trusted CA certificates (`ca`, `tls.ca`): PEM text (one or more certificates),
 * DER bytes, or a list of them, each of which parses as a certificate. A CA that is not one
 * would be ignored by TLS, and the check would fail against a good server for want of it.
 *
 * @example
 * const ca = checkCa('tls.ca', options.tls?.ca)
 */
export function checkCa<T>(name: string, value: T): T {
  if (value === undefined) return value
  const entries = Array.isArray(value) ? value : [value]
  if (entries.length === 0) throw new TargetError(`${name} must not be an empty list`)
  for (const entry of entries) {
    if (typeof entry !== 'string' && !Buffer.isBuffer(entry)) throw new TargetError(`${name} must be PEM text, a Buffer, or a list of them; got ${describeValue(entry)}`)
    const text = Buffer.isBuffer(entry) ? entry.toString('latin1') : entry
    const blocks = text.includes('-----BEGIN') ? text.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) : [entry]
    if (!blocks || blocks.length === 0) throw new TargetError(`${name} holds no certificate: expected PEM text (-----BEGIN CERTIFICATE-----)`)
    for (const block of blocks) {
      try {
        new X509Certificate(block)
      } catch {
        throw new TargetError(`${name} holds something that is not a certificate (PEM or DER): check the file it was read from`)
      }
    }
  }
  return value
}

/** Node's codes for arguments it refuses (a driver passing on a bad option of ours): bad input, never a network outcome. */
const INPUT_FAULTS = /^(ERR_INVALID_ARG_TYPE|ERR_INVALID_ARG_VALUE|ERR_OUT_OF_RANGE|ERR_INVALID_URL|ERR_INVALID_CHAR|ERR_HTTP_INVALID_HEADER_VALUE|UND_ERR_INVALID_ARG|UND_ERR_NOT_SUPPORTED)$/

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

/** A short rendering of an input value for error messages: secrets masked (even in URLs that do not parse), long strings cut. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    // redact first: a cut could split a secret from what identifies it
    const safe = redactInput(value)
    return JSON.stringify(safe.length > 80 ? `${safe.slice(0, 80)}…` : safe)
  }
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value instanceof RegExp) return String(value)
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}

/**
 * Rounds a latency for display: two decimals under 1 ms, one under 10 ms, whole milliseconds above.
 *
 * @example
 * formatMs(0.043) // '0.04 ms'
 * formatMs(3.734) // '3.7 ms'
 * formatMs(840.2) // '840 ms'
 */
export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`
}

/** What a probe saw, for {@link probeResult}. */
export interface ProbeOutcome<Observed> {
  target: string
  latencyMs: number
  observed: Observed
  /** Why the exchange failed; then no expectation is judged. */
  error: ProbeError | undefined
  /** The expectations that did not hold, judged only when the exchange completed. */
  failures: () => string[]
  /** One line saying what was observed, asked only when the exchange completed. */
  summary: () => string
}

/**
 * The result of a probe: failed with its error when the exchange failed (summary
 * `CODE: message`, no failures judged), else ok unless an expectation failed. An error that
 * is Node refusing an argument (`ERR_OUT_OF_RANGE`, `ERR_INVALID_ARG_*`…) is bad input:
 * thrown as a {@link TargetError}, after the probe has cleaned up.
 *
 * @example
 * return probeResult({ target: where, latencyMs, observed, error, failures: () => latencyFailure(latencyMs, maxLatencyMs), summary: () => `connected to ${where}` })
 */
export function probeResult<Observed>(outcome: ProbeOutcome<Observed>): ProbeResult<Observed> {
  const { target, latencyMs, observed, error } = outcome
  // an option that a driver or Node refused: bad input, thrown (else `.not` would pass on it)
  if (error && INPUT_FAULTS.test(error.code)) throw new TargetError(`the check cannot run with these options: ${error.message}`)
  if (error) return { ok: false, target, latencyMs, summary: `${error.code}: ${error.message}`, observed, failures: [], error }
  const failures = outcome.failures()
  return { ok: failures.length === 0, target, latencyMs, summary: outcome.summary(), observed, failures }
}

/** The failure to add when a probe that succeeded took longer than its budget. */
export function latencyFailure(latencyMs: number, maxLatencyMs: number | undefined): string[] {
  if (maxLatencyMs === undefined || latencyMs <= maxLatencyMs) return []
  return [`took ${formatMs(latencyMs)}, over the latency budget of ${formatMs(maxLatencyMs)}`]
}

const NETWORK_ERRORS: Record<string, (where: string) => Omit<ProbeError, 'code'>> = {
  ECONNREFUSED: (where) => ({
    message: `connection refused by ${where}`,
    hint: 'nothing is listening there: is the service running, and are host and port right?',
  }),
  ECONNRESET: (where) => ({
    message: `connection reset by ${where}`,
    hint: 'the peer closed the connection abruptly: check its logs, and whether it speaks this protocol on that port',
  }),
  EPIPE: (where) => ({
    message: `connection to ${where} closed while sending`,
    hint: 'the peer closed the connection: check its logs, and whether it speaks this protocol on that port',
  }),
  ENOTFOUND: (where) => ({
    message: `the name ${withoutPort(where)} does not resolve`,
    hint: 'check the hostname for typos, and the DNS / /etc/hosts seen from this host',
  }),
  EAI_AGAIN: (where) => ({
    message: `DNS lookup of ${withoutPort(where)} failed temporarily`,
    hint: 'the resolver did not answer: check /etc/resolv.conf and the DNS servers reachable from this host',
  }),
  EHOSTUNREACH: (where) => ({
    message: `no route to ${where}`,
    hint: 'check routing, security groups and firewalls between this host and the target',
  }),
  ENETUNREACH: (where) => ({
    message: `network unreachable for ${where}`,
    hint: 'this host has no route to that network: check its interfaces and routes',
  }),
  EADDRNOTAVAIL: (where) => ({
    message: `address not available for ${where}`,
    hint: 'the address is not valid from this host (wrong IP, or an IPv6 address without IPv6)',
  }),
}

function withoutPort(where: string): string {
  return where.replace(/:\d+$/, '')
}

const TLS_ERRORS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'the server certificate has expired: renew it',
  CERT_NOT_YET_VALID: 'the server certificate is not valid yet: check its notBefore date and the clocks',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed: install a certificate from a trusted CA, or pass its CA in `tls.ca`',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in an untrusted self-signed root: pass that root in `tls.ca`, or use a publicly trusted CA',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the chain cannot be verified: the server does not send its intermediate certificates, or its CA is private (pass it in `tls.ca`)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the issuer of the certificate is not trusted here: serve the full chain, or pass the CA in `tls.ca`',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not cover this hostname: check its subjectAltName, or the hostname you connect to',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the peer does not speak TLS on this port: use http:// or the TLS port',
  ERR_SSL_PACKET_LENGTH_TOO_LONG: 'the peer does not speak TLS on this port: use a plain-text scheme or the TLS port',
}

/**
 * Turns an error from a socket, TLS or a driver into a {@link ProbeError}, naming `where`
 * (a redacted `host:port` or URL). Unknown errors keep their own code and (redacted) message.
 *
 * @example
 * describeNetworkError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), '127.0.0.1:1')
 * // { code: 'ECONNREFUSED', message: 'connection refused by 127.0.0.1:1', hint: 'nothing is listening there…' }
 */
export function describeNetworkError(error: unknown, where: string): ProbeError {
  const code = errorCode(error)
  const known = NETWORK_ERRORS[code]
  if (known) return { code, ...known(where) }
  const tlsHint = TLS_ERRORS[code]
  if (tlsHint) return { code, message: `TLS to ${where} failed: ${redact(errorMessage(error))}`, hint: tlsHint }
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /certificate|ssl|tls/i.test(errorMessage(error))) {
    return { code, message: `TLS to ${where} failed: ${redact(errorMessage(error))}`, hint: 'check the certificate and TLS settings of the server' }
  }
  return { code: code || 'EUNKNOWN', message: `${where}: ${redact(errorMessage(error))}` }
}

/** The `code` of an error-like value, or `''`. Looks through `cause` and AggregateError members. */
export function errorCode(error: unknown): string {
  if (error && typeof error === 'object') {
    const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown }
    if (typeof code === 'string' && code !== '' && !code.startsWith('UND_ERR_SOCKET')) return code
    if (typeof code === 'number') return String(code)
    if (Array.isArray(errors) && errors.length > 0) return errorCode(errors[0])
    if (cause) return errorCode(cause)
    if (typeof code === 'string') return code
  }
  return ''
}

/**
 * The message of an error-like value, following `cause` when the outer message is empty;
 * drivers echo what a peer sent in their messages, so it is treated as peer text: cut to
 * 300 characters (after a redaction window), redacted, and made printable.
 *
 * @example
 * errorMessage(new Error('bad greeting\u0000 from server')) // 'bad greeting\\x00 from server'
 */
export function errorMessage(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0 && !error.message) return errorMessage(error.errors[0])
  if (error instanceof Error) return (error.message ? shown(error.message) : '') || errorMessage(error.cause) || error.name
  return shown(String(error))
}

/** Peer text, with replacement characters (bytes that were not UTF-8) as `?`. */
function shown(text: string): string {
  return peerText(text).replace(/\ufffd/g, '?')
}

/**
 * Waits for `work` (its failure included) for at most `ms`, and clears its timer either way;
 * true when the work settled in time.
 *
 * @example
 * await within(client.quit(), 250)
 */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([work.then(() => true, () => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Closes a client politely (e.g. `QUIT`, `Terminate`), but never waits more than `graceMs`
 * for a peer that does not answer: then destroys its socket.
 *
 * @example
 * await closeGracefully(() => client.end(), () => client.connection.stream.destroy())
 */
export async function closeGracefully(end: () => Promise<unknown>, destroy: () => void, graceMs = 250): Promise<void> {
  try {
    await within(end(), graceMs)
  } catch {
    // end() threw before it could return a promise: the peer is gone already
  } finally {
    destroy()
  }
}
