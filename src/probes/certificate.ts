/**
 * TLS certificate probe: completes a handshake with `host:port` and inspects the
 * certificate the server presents, as a client verifying it would: trust chain, validity
 * dates, hostname, and days left before expiry. The handshake is done without rejecting,
 * so that every problem is reported at once, with dates.
 *
 * @module
 */
import { isIP } from 'node:net'
import { checkServerIdentity, connect, type DetailedPeerCertificate, type PeerCertificate, type TLSSocket } from 'node:tls'
import { noConnection, noTlsHandshake, ProbeFailure, runExchange } from '../core/exchange.ts'
import type { ProbeOptions, ProbeResult } from '../core/result.ts'
import { formatHostPort, parseHostPort } from '../core/targets.ts'
import { cut, cutList, peerText, plural } from '../core/text.ts'
import { checkCa, checkDays, checkDnsName, checkLimits, checkOptions } from '../core/validate.ts'

/** Options of {@link probeCertificate}. */
export interface CertificateProbeOptions extends ProbeOptions {
  /** Fail when the certificate expires in fewer days than this. Default 0 (valid now). */
  minDaysLeft?: number
  /** Warn (the check passes, degraded) when the certificate expires in fewer days than this. */
  warnDaysLeft?: number
  /** Name to send (SNI) and to check the certificate against. Default: the host, when it is a name. */
  servername?: string
  /** Trusted CA(s), PEM, instead of Node's bundled roots (for private PKI). */
  ca?: string | Buffer | Array<string | Buffer>
}

/** What {@link probeCertificate} observed. */
export interface CertificateObserved {
  host: string
  port: number
  servername?: string
  /** Subject common name. */
  subject?: string
  /** Issuer common name (or organization). */
  issuer?: string
  /** Subject distinguished name, RFC 4514 (`CN=api.example.com,O=Example\, Inc.`): most specific first, as OpenSSL and Go print it. */
  subjectName?: string
  /** Issuer distinguished name, RFC 4514. */
  issuerName?: string
  /** Serial number, lower-case hex (`04a1…`). */
  serialNumber?: string
  /** Subject alternative names, e.g. `DNS:api.example.com` (the first 100). */
  altNames: string[]
  /** ISO dates. */
  validFrom?: string
  validTo?: string
  /** Whole days until expiry (negative once expired). */
  daysLeft?: number
  /** The earliest expiry (ISO date) in the chain: the leaf, the certificates the server sent with it, and the root they lead to. */
  chainValidTo?: string
  /** SHA-256 fingerprint, as Node prints it (`AB:CD:…`). */
  fingerprint256?: string
  /** TLS version negotiated, e.g. `TLSv1.3`. */
  protocol?: string
  /** True when the chain verifies against the trusted CAs and the name matches. */
  trusted: boolean
  /** Why the chain is not trusted, as OpenSSL says it (e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`). */
  chainError?: string
}

const DAY_MS = 86_400_000
/** Subject alternative names kept in `observed.altNames`. */
const MAX_ALT_NAMES = 100
/** Certificates of a chain read for its earliest expiry. */
const MAX_CHAIN = 10
/** Attributes of a distinguished name kept (`CN`, `O`, `OU`…). */
const MAX_NAME_PARTS = 16
/** Characters of a distinguished name kept. */
const MAX_NAME_CHARS = 200
const DATE_ERRORS = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID'])
const CHAIN_WORDS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in a self-signed root that is not trusted here',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the chain cannot be verified (intermediate certificates missing?)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the issuer is not trusted here (serve the full chain, or pass its CA in `ca`)',
  UNABLE_TO_GET_ISSUER_CERT: 'the issuer certificate could not be found (intermediate certificates missing?)',
  CERT_REVOKED: 'the certificate is revoked',
  CERT_SIGNATURE_FAILURE: 'the certificate signature is invalid',
}

/**
 * Checks the certificate `host[:port]` (or an https URL) presents: trusted, valid now, for
 * this name, and not expiring within `minDaysLeft` days.
 *
 * @example
 * const result = await probeCertificate('api.example.com', { minDaysLeft: 14 })
 * console.log(result.observed.validTo, result.observed.daysLeft)
 */
export async function probeCertificate(
  target: string,
  options: CertificateProbeOptions = {},
  signal?: AbortSignal,
): Promise<ProbeResult<CertificateObserved>> {
  const limits = checkLimits(checkOptions(options, ['minDaysLeft', 'warnDaysLeft', 'servername', 'ca']))
  const { host, port } = parseHostPort(target, { what: 'host[:port] or an https:// URL', defaultPort: 443, schemes: ['https:', 'tls:'] })
  const minDaysLeft = checkDays('minDaysLeft', options.minDaysLeft) ?? 0
  const warnDaysLeft = checkDays('warnDaysLeft', options.warnDaysLeft)
  const servername = checkDnsName('servername', options.servername) ?? (isIP(host) ? undefined : host)
  const ca = checkCa('ca', options.ca)
  const where = formatHostPort({ host, port })
  const observed: CertificateObserved = { host, port, servername, altNames: [], trusted: false }
  let socket: TLSSocket | undefined
  let problems: string[] = []
  return runExchange(
    { where, limits, observed, signal },
    {
      exchange: async (step) => {
        await step.race(
          new Promise<void>((resolve, reject) => {
            socket = connect({ host, port, servername, ca, rejectUnauthorized: false })
            step.scope.adopt(socket)
            socket.once('connect', () => step.enter('tls', 'the TLS handshake'))
            socket.once('secureConnect', () => resolve())
            socket.once('error', reject)
          }),
        )
        const tls = socket as TLSSocket
        const certificate = tls.getPeerCertificate(true)
        observed.protocol = tls.getProtocol() ?? undefined
        observed.trusted = tls.authorized
        if (!tls.authorized && tls.authorizationError) observed.chainError = String(tls.authorizationError)
        if (!certificate || Object.keys(certificate).length === 0) {
          throw new ProbeFailure({
            code: 'ENOCERT',
            message: `${where} completed the handshake without presenting a certificate`,
            hint: 'the server may use PSK or anonymous TLS; it cannot be verified',
          })
        }
        problems = inspect(certificate, observed, servername ?? host, minDaysLeft)
      },
      timeout: (step) => (step.phase === 'tls' ? noTlsHandshake(where, limits.timeoutMs) : noConnection(where, limits.timeoutMs)),
      close: () => {
        socket?.on('error', () => {})
        socket?.destroy()
      },
      failures: () => problems,
      warnings: () =>
        warnDaysLeft !== undefined && observed.daysLeft !== undefined && observed.daysLeft < warnDaysLeft && observed.validTo
          ? [
              `expires on ${day(new Date(observed.validTo))}, in ${plural(observed.daysLeft, 'day')}: fewer than the ${warnDaysLeft} of warnDaysLeft, renew it soon`,
            ]
          : [],
      summary: () => describeCertificate(observed),
    },
  )
}

/** Fills `observed` from the certificate and returns every problem found, each with its dates. */
function inspect(certificate: DetailedPeerCertificate, observed: CertificateObserved, name: string, minDaysLeft: number): string[] {
  const now = Date.now()
  const validFrom = new Date(certificate.valid_from)
  const validTo = new Date(certificate.valid_to)
  // what the certificate says is the peer's text: cut, and made printable
  const subject = firstOf(certificate.subject?.CN ?? certificate.subject?.O)
  const issuer = firstOf(certificate.issuer?.CN ?? certificate.issuer?.O)
  observed.subject = subject === undefined ? undefined : peerText(subject, 200)
  observed.issuer = issuer === undefined ? undefined : peerText(issuer, 200)
  observed.subjectName = distinguishedName(certificate.subject)
  observed.issuerName = distinguishedName(certificate.issuer)
  observed.serialNumber = /^[\dA-F]{1,128}$/i.test(certificate.serialNumber ?? '') ? certificate.serialNumber.toLowerCase() : undefined
  const altNames = (certificate.subjectaltname ?? '').split(', ').filter(Boolean)
  observed.altNames = altNames.slice(0, MAX_ALT_NAMES).map((name) => peerText(name, 200))
  observed.validFrom = validFrom.toISOString()
  observed.validTo = validTo.toISOString()
  observed.daysLeft = Math.floor((validTo.getTime() - now) / DAY_MS)
  observed.chainValidTo = earliestExpiry(certificate, validTo).toISOString()
  observed.fingerprint256 = certificate.fingerprint256

  const problems: string[] = []
  if (validTo.getTime() <= now) {
    problems.push(`expired on ${day(validTo)}, ${plural(Math.floor((now - validTo.getTime()) / DAY_MS), 'day')} ago: renew it`)
  } else if (validFrom.getTime() > now) {
    problems.push(
      `not valid before ${day(validFrom)}, in ${plural(Math.ceil((validFrom.getTime() - now) / DAY_MS), 'day')}: check its notBefore date and the clocks`,
    )
  } else if (observed.daysLeft < minDaysLeft) {
    problems.push(`expires on ${day(validTo)}, in ${plural(observed.daysLeft, 'day')}: fewer than the ${minDaysLeft} asked, renew it`)
  }
  if (observed.chainError && !DATE_ERRORS.has(observed.chainError) && observed.chainError !== 'ERR_TLS_CERT_ALTNAME_INVALID') {
    problems.push(`not trusted: ${CHAIN_WORDS[observed.chainError] ?? 'the chain does not verify'} (${observed.chainError})`)
  }
  const mismatch = checkServerIdentity(name, certificate)
  if (mismatch) {
    observed.trusted = false
    problems.push(
      `not valid for ${name}: it covers ${altNames.length > 0 ? cutList(observed.altNames, { total: altNames.length }) : `CN=${observed.subject ?? '?'}`}`,
    )
  }
  return problems
}

function firstOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/**
 * A name as RFC 4514 writes it, most specific attribute first (`CN=api,O=Example\, Inc.,C=FR`),
 * as OpenSSL's `-nameopt RFC2253` and Go's `pkix.Name.String()` print it: each value cut and
 * made printable before it is escaped, the whole cut.
 */
function distinguishedName(name: PeerCertificate['subject'] | undefined): string | undefined {
  if (!name || typeof name !== 'object') return undefined
  const parts = Object.entries(name)
    .slice(0, MAX_NAME_PARTS)
    .flatMap(([type, value]) =>
      (Array.isArray(value) ? value : [value])
        .slice(0, MAX_NAME_PARTS)
        .map((one) => `${peerText(type, 40)}=${escapeDnValue(peerText(String(one), MAX_NAME_CHARS))}`),
    )
  return parts.length > 0 ? cut(parts.reverse().join(','), MAX_NAME_CHARS) : undefined
}

/** A value escaped as RFC 4514 asks: a backslash before `,` `+` `"` `\` `<` `>` `;`, a leading space or `#`, a trailing space. */
function escapeDnValue(value: string): string {
  return value
    .replace(/[,+"\\<>;]/g, '\\$&')
    .replace(/^[ #]/, '\\$&')
    .replace(/ $/, '\\ ')
}

/**
 * The earliest expiry of the chain as Node gives it: the leaf, the certificates the server
 * sent with it, and the trusted root it leads to (at most {@link MAX_CHAIN} certificates).
 */
function earliestExpiry(certificate: DetailedPeerCertificate, leafValidTo: Date): Date {
  let earliest = leafValidTo
  const seen = new Set<PeerCertificate>([certificate])
  for (let next = certificate.issuerCertificate; next && !seen.has(next) && seen.size < MAX_CHAIN; next = next.issuerCertificate) {
    seen.add(next)
    const validTo = new Date(next.valid_to)
    if (validTo.getTime() < earliest.getTime()) earliest = validTo
  }
  return earliest
}

function describeCertificate(observed: CertificateObserved): string {
  const subject = observed.subject ? `CN=${observed.subject}` : 'certificate'
  const days = observed.daysLeft ?? 0
  const ago = observed.validTo ? Math.floor((Date.now() - Date.parse(observed.validTo)) / DAY_MS) : 0
  const until = !observed.validTo
    ? ''
    : days < 0
      ? `expired ${observed.validTo.slice(0, 10)} (${plural(ago, 'day')} ago)`
      : `valid until ${observed.validTo.slice(0, 10)} (${plural(days, 'day')} left)`
  return `${subject} ${until}, issued by ${observed.issuer ?? '?'}`.replace(/ +/g, ' ')
}

function day(date: Date): string {
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d\d\.\d+Z$/, ' UTC')
}
