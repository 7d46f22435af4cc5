/**
 * SMTP probe, on nodemailer's SMTP connection (what `transporter.verify()` does):
 * connect (TLS for `smtps://`), read the greeting, EHLO, STARTTLS when the server offers
 * it, AUTH when credentials are given, QUIT. Never sends a mail.
 *
 * @module
 */
import { isIP } from 'node:net'
import type SMTPConnection from 'nodemailer/lib/smtp-connection'
import { once } from '../core/drivers.ts'
import { TargetError } from '../core/errors.ts'
import {
  abortedError,
  budgetExceeded,
  checkBytes,
  checkCa,
  checkDuration,
  checkOptions,
  DEFAULT_TIMEOUT_MS,
  describeNetworkError,
  describeValue,
  errorCode,
  errorMessage,
  formatMs,
  latencyFailure,
  type ProbeError,
  type ProbeOptions,
  type ProbeResult,
  probeResult,
  startDeadline,
} from '../core/probe.ts'
import { openScope } from '../core/probe-scope.ts'
import { redact, registerSecret } from '../core/redact.ts'
import { displayUrl, formatHostPort, isHostname, parseUrl } from '../core/targets.ts'

/** Options of {@link probeSmtp}. */
export interface SmtpProbeOptions extends ProbeOptions {
  /** Credentials; by default the user and password of the URL. */
  auth?: { user: string; pass: string }
  /** Fail unless the session is encrypted (`smtps://`, or STARTTLS offered and used). */
  requireTls?: boolean
  /** TLS settings: `rejectUnauthorized` (default true), `ca` (PEM), `servername`. */
  tls?: { rejectUnauthorized?: boolean; ca?: string | Buffer | Array<string | Buffer>; servername?: string }
}

/** What {@link probeSmtp} observed. */
export interface SmtpObserved {
  host: string
  port: number
  /** True when the session was encrypted (implicit TLS or STARTTLS). */
  secure: boolean
  /** True when AUTH succeeded. */
  authenticated: boolean
}

const loadSmtp = once(() => import('nodemailer/lib/smtp-connection'))

const HINTS: Record<string, string> = {
  EAUTH: 'the server rejected the credentials: check user and password (or app password / API key) of the DSN',
  ETLS: 'TLS failed: check the certificate of the server (or pass its CA in tls.ca), and that the port speaks STARTTLS / implicit TLS as the scheme says',
  EPROTOCOL: 'the server does not speak SMTP as expected on this port: check host and port (465 is smtps://, 587 and 25 are smtp://)',
  ECONNECTION: 'the server closed or refused the session: check its logs and its limits for this client',
}

/**
 * Connects to an SMTP server and checks that it greets, negotiates TLS and accepts the
 * credentials; never sends a mail.
 *
 * @example
 * const result = await probeSmtp('smtp://app:secret@mail.internal:587', { requireTls: true })
 * console.log(result.ok, result.observed.secure)
 */
export async function probeSmtp(target: string, options: SmtpProbeOptions = {}, signal?: AbortSignal): Promise<ProbeResult<SmtpObserved>> {
  checkOptions(options)
  const url = parseUrl(target, ['smtp:', 'smtps:'], 'an smtp:// or smtps:// URL')
  const secure = url.protocol === 'smtps:'
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const port = url.port ? Number(url.port) : secure ? 465 : 587
  checkSmtpTls(options.tls)
  const auth = checkAuth(options.auth ?? (url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined))
  const timeoutMs = checkDuration('timeoutMs', options.timeoutMs) ?? DEFAULT_TIMEOUT_MS
  const maxLatencyMs = checkDuration('maxLatencyMs', options.maxLatencyMs)
  const where = formatHostPort({ host, port })
  const scope = openScope(checkBytes('maxReceivedBytes', options.maxReceivedBytes))
  const observed: SmtpObserved = { host, port, secure, authenticated: false }

  const { default: Connection } = await loadSmtp()
  const deadline = startDeadline(timeoutMs, signal)
  const connection: SMTPConnection = new Connection({
    host,
    port,
    secure,
    requireTLS: Boolean(options.requireTls) && !secure,
    opportunisticTLS: !options.requireTls,
    connectionTimeout: timeoutMs + 1000,
    greetingTimeout: timeoutMs + 1000,
    socketTimeout: timeoutMs + 1000,
    tls: { ...options.tls },
    logger: false,
    allowInternalNetworkInterfaces: true,
  })
  let phase = 'connecting'
  let error: ProbeError | undefined
  let greeted = false
  const failed = new Promise<never>((_, reject) => {
    connection.on('error', reject)
    // a peer that hangs up before its greeting is no SMTP server (nodemailer only ends then)
    connection.on('end', () => {
      if (!greeted) reject(Object.assign(new Error('the server closed the connection before its greeting'), { code: 'ECONNCLOSED' }))
    })
  })
  failed.catch(() => {})
  try {
    await scope.run(() => Promise.race([new Promise<void>((resolve, reject) => connection.connect((err?: Error) => (err ? reject(err) : resolve()))), failed, deadline.aborted]))
    greeted = true
    observed.secure = connection.secure
    if (options.requireTls && !connection.secure) throw Object.assign(new Error('the session is not encrypted'), { code: 'ENOTLS' })
    if (auth) {
      phase = 'authenticating'
      await Promise.race([new Promise<void>((resolve, reject) => connection.login(auth, (err) => (err ? reject(err) : resolve()))), failed, deadline.aborted])
      observed.authenticated = true
    }
  } catch (caught) {
    error = budgetExceeded(scope, where, phase) ?? abortedError(deadline) ?? describeSmtpError(caught, where, phase, deadline.timedOut() ? timeoutMs : undefined)
  } finally {
    deadline.clear()
  }
  const latencyMs = deadline.elapsed()
  if (error) connection.close()
  else connection.quit()
  scope.close()

  return probeResult({
    target: displayUrl(url),
    latencyMs,
    observed,
    error,
    failures: () => latencyFailure(latencyMs, maxLatencyMs),
    summary: () => {
      const how = [observed.secure ? (secure ? 'TLS' : 'STARTTLS') : 'plain text', observed.authenticated ? 'authenticated' : 'no AUTH'].join(', ')
      return `SMTP server at ${where} accepted the session (${how})`
    },
  })
}

function checkSmtpTls(tls: unknown): void {
  if (tls === undefined) return
  if (tls === null || typeof tls !== 'object' || Array.isArray(tls)) throw new TargetError(`tls must be an object ({ rejectUnauthorized, ca, servername }), got ${describeValue(tls)}`)
  const { rejectUnauthorized, ca, servername } = tls as { rejectUnauthorized?: unknown; ca?: unknown; servername?: unknown }
  if (rejectUnauthorized !== undefined && typeof rejectUnauthorized !== 'boolean') throw new TargetError(`tls.rejectUnauthorized must be true or false, got ${describeValue(rejectUnauthorized)}`)
  if (servername !== undefined && (typeof servername !== 'string' || !isHostname(servername) || isIP(servername) !== 0)) throw new TargetError(`tls.servername must be a DNS name, got ${describeValue(servername)}`)
  checkCa('tls.ca', ca)
}

function checkAuth(auth: unknown): { user: string; pass: string } | undefined {
  if (auth === undefined) return undefined
  const { user, pass } = (auth ?? {}) as { user?: unknown; pass?: unknown }
  if (typeof user !== 'string' || user === '' || typeof pass !== 'string') {
    throw new TargetError(`auth must be { user: string, pass: string }, got ${describeValue(auth)}`)
  }
  registerSecret(pass)
  return { user, pass }
}

function describeSmtpError(error: unknown, where: string, phase: string, timedOutAfter: number | undefined): ProbeError {
  if (timedOutAfter !== undefined) {
    return {
      code: 'ETIMEDOUT',
      message: `no answer from ${where} within ${formatMs(timedOutAfter)} while ${phase}`,
      hint: 'the server did not greet or answer in time: is it overloaded, is this port SMTP (465 needs smtps://), or does a firewall drop the packets?',
    }
  }
  const { response, responseCode, originalCode, command } = (error ?? {}) as { response?: unknown; responseCode?: number; originalCode?: string; command?: string }
  // nodemailer re-labels socket and TLS errors (ESOCKET, ETLS) and keeps the system code aside
  if (originalCode) return describeNetworkError(Object.assign(new Error(errorMessage(error)), { code: originalCode }), where)
  const code = errorCode(error)
  if (code === 'ECONNCLOSED') {
    return { code, message: `${where} closed the connection before its SMTP greeting`, hint: 'the port may not speak SMTP (465 needs smtps://), or the server refused this client at once: check its logs and limits' }
  }
  if (code === 'ENOTLS' || (code === 'ETLS' && command === 'STARTTLS' && (responseCode ?? 0) >= 500)) {
    return {
      code: 'ENOTLS',
      message: `${where} does not offer STARTTLS${responseCode ? ` (it answered ${redact(String(response).trim())})` : ''}, and requireTls is set`,
      hint: 'enable STARTTLS on the server, use smtps:// if it speaks implicit TLS, or drop requireTls if plain text is acceptable',
    }
  }
  if (code in HINTS) {
    const reply = typeof response === 'string' && response ? redact(response.trim()) : ''
    const text = code === 'EAUTH' ? `authentication failed: ${reply || redact(errorMessage(error))}` : redact(errorMessage(error))
    return { code, message: `SMTP at ${where}: ${text}`, hint: HINTS[code] }
  }
  return describeNetworkError(error, where)
}
