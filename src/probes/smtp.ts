/**
 * SMTP probe, on nodemailer's SMTP connection (what `transporter.verify()` does):
 * connect (TLS for `smtps://`), read the greeting, EHLO, STARTTLS when the server offers
 * it, AUTH when credentials are given, QUIT. Never sends a mail.
 *
 * @module
 */
import type SMTPConnection from 'nodemailer/lib/smtp-connection'
import { once } from '../core/drivers.ts'
import { TargetError } from '../core/errors.ts'
import { HANDSHAKE_MAX_RECEIVED_BYTES } from '../core/probe-scope.ts'
import { runExchange, timeoutError } from '../core/exchange.ts'
import { describeNetworkError, errorCode, errorMessage } from '../core/network-errors.ts'
import { redact, registerSecret } from '../core/redact.ts'
import type { ProbeError, ProbeOptions, ProbeResult } from '../core/result.ts'
import { displayUrl, endpoint, parseUrl } from '../core/targets.ts'
import { checkBoolean, checkCa, checkDnsName, checkLimits, checkObject, checkOptions, describeValue } from '../core/validate.ts'

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
  const limits = checkLimits(checkOptions(options, ['auth', 'requireTls', 'tls']))
  const url = parseUrl(target, ['smtp:', 'smtps:'], 'an smtp:// or smtps:// URL')
  const secure = url.protocol === 'smtps:'
  const { host, port, where } = endpoint(url, secure ? 465 : 587)
  checkSmtpTls(options.tls)
  const requireTls = checkBoolean('requireTls', options.requireTls) ?? false
  const auth = checkAuth(
    options.auth ?? (url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined),
  )
  const observed: SmtpObserved = { host, port, secure, authenticated: false }
  const { default: Connection } = await loadSmtp()
  const backstop = limits.timeoutMs + 1000
  const connection: SMTPConnection = new Connection({
    host,
    port,
    secure,
    requireTLS: requireTls && !secure,
    opportunisticTLS: !requireTls,
    connectionTimeout: backstop,
    greetingTimeout: backstop,
    socketTimeout: backstop,
    tls: { ...options.tls },
    logger: false,
    allowInternalNetworkInterfaces: true,
  })
  let greeted = false
  const failed = new Promise<never>((_, reject) => {
    connection.on('error', reject)
    // a peer that hangs up before its greeting is no SMTP server (nodemailer only ends then)
    connection.on('end', () => {
      if (!greeted) reject(Object.assign(new Error('the server closed the connection before its greeting'), { code: 'ECONNCLOSED' }))
    })
  })
  failed.catch(() => {})
  return runExchange(
    { where, target: displayUrl(url), limits, observed, signal, defaultReceiveBudget: HANDSHAKE_MAX_RECEIVED_BYTES },
    {
      exchange: async (step) => {
        await step.race(
          Promise.race([new Promise<void>((resolve, reject) => connection.connect((err?: Error) => (err ? reject(err) : resolve()))), failed]),
        )
        greeted = true
        observed.secure = connection.secure
        if (requireTls && !connection.secure) throw Object.assign(new Error('the session is not encrypted'), { code: 'ENOTLS' })
        if (auth) {
          step.enter('auth', 'authenticating')
          await step.race(
            Promise.race([new Promise<void>((resolve, reject) => connection.login(auth, (err) => (err ? reject(err) : resolve()))), failed]),
          )
          observed.authenticated = true
        }
      },
      timeout: (step) =>
        timeoutError(
          where,
          step,
          'the server did not greet or answer in time: is it overloaded, is this port SMTP (465 needs smtps://), or does a firewall drop the packets?',
        ),
      describe: (caught) => describeSmtpError(caught, where),
      close: (failed) => (failed ? connection.close() : connection.quit()),
      summary: () => {
        const how = [observed.secure ? (secure ? 'TLS' : 'STARTTLS') : 'plain text', observed.authenticated ? 'authenticated' : 'no AUTH'].join(', ')
        return `SMTP server at ${where} accepted the session (${how})`
      },
    },
  )
}

function checkSmtpTls(tls: SmtpProbeOptions['tls']): void {
  const checked = checkObject('tls', tls, '{ rejectUnauthorized, ca, servername }')
  if (!checked) return
  checkBoolean('tls.rejectUnauthorized', checked.rejectUnauthorized)
  checkDnsName('tls.servername', checked.servername)
  checkCa('tls.ca', checked.ca)
}

function checkAuth(auth: unknown): { user: string; pass: string } | undefined {
  if (auth === undefined) return undefined
  const { user, pass } = (auth ?? {}) as { user?: unknown; pass?: unknown }
  if (typeof user !== 'string' || user === '' || typeof pass !== 'string') {
    throw new TargetError(`auth must be { user: string, pass: string }, got ${describeValue(auth)}`)
  }
  registerSecret(pass)
  // AUTH sends them on the command line: a line break would end it and start another command
  for (const [part, value] of [
    ['user', user],
    ['pass', pass],
  ] as const) {
    if (/[\u0000-\u001f\u007f-\u009f]/.test(value)) {
      throw new TargetError(`auth.${part} has a control character (such as CR or LF): it would be sent to the server as it is; remove it`)
    }
  }
  return { user, pass }
}

function describeSmtpError(error: unknown, where: string): ProbeError {
  const { response, responseCode, originalCode, command } = (error ?? {}) as {
    response?: unknown
    responseCode?: number
    originalCode?: string
    command?: string
  }
  // nodemailer re-labels socket and TLS errors (ESOCKET, ETLS) and keeps the system code aside
  if (originalCode) return describeNetworkError(Object.assign(new Error(errorMessage(error)), { code: originalCode }), where)
  const code = errorCode(error)
  if (code === 'ECONNCLOSED') {
    return {
      code,
      message: `${where} closed the connection before its SMTP greeting`,
      hint: 'the port may not speak SMTP (465 needs smtps://), or the server refused this client at once: check its logs and limits',
    }
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
