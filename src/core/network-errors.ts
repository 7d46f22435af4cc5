/**
 * What socket, TLS and driver errors mean, in words that say what to fix: one table of
 * network causes and one of TLS causes, shared by every probe (docs/errors.md lists the
 * codes). Error messages from drivers echo what a peer sent, so they are treated as peer
 * text: cut, redacted and made printable.
 *
 * @module
 */
import { redact } from './redact.ts'
import type { ProbeError } from './result.ts'
import { peerText } from './text.ts'

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
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    'the chain cannot be verified: the server does not send its intermediate certificates, or its CA is private (pass it in `tls.ca`)',
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
