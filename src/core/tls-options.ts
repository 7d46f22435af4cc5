/**
 * The `tls` option of the probes that speak TLS to their peer (HTTP, TCP, WebSocket, gRPC):
 * one shape, one validation. A typo in a key (`rejectUnathorized`) is refused with the
 * closest name, as for the options themselves: ignored, it would change what is checked.
 *
 * @module
 */
import type { ConnectionOptions } from 'node:tls'
import { isIP } from 'node:net'
import { checkBoolean, checkCa, checkKeys, checkObject, invalid } from './validate.ts'
import { isHostname } from './targets.ts'

/** TLS settings of a check. */
export interface TlsOptions {
  /** Verify the server certificate (default true). */
  rejectUnauthorized?: boolean
  /** Trusted CA(s), PEM or DER, instead of Node's bundled roots. */
  ca?: string | Buffer | Array<string | Buffer>
  /** Name sent in SNI and checked against the certificate (default: the target's host). */
  servername?: string
}

const TLS_KEYS = ['rejectUnauthorized', 'ca', 'servername'] as const

/**
 * Validates a `tls` option and returns it with only the keys set. With `allowBoolean`,
 * `true` means TLS with the defaults and `false` (or nothing) plain text: `undefined` is
 * returned for plain text.
 *
 * @example
 * checkTlsOptions({ ca: pem, servername: 'db.internal' }) // { ca: pem, servername: 'db.internal' }
 * checkTlsOptions(true, { allowBoolean: true }) // {}
 */
export function checkTlsOptions(value: unknown, { name = 'tls', allowBoolean = false } = {}): TlsOptions | undefined {
  if (value === undefined) return undefined
  if (allowBoolean && typeof value === 'boolean') return value ? {} : undefined
  if (Buffer.isBuffer(value)) throw invalid(name, `${allowBoolean ? 'true, or ' : ''}an object ({ rejectUnauthorized, ca, servername })`, value)
  const tls = checkObject(name, value as TlsOptions, '{ rejectUnauthorized, ca, servername }') as TlsOptions
  checkKeys(name, tls, TLS_KEYS)
  const rejectUnauthorized = checkBoolean(`${name}.rejectUnauthorized`, tls.rejectUnauthorized)
  const ca = checkCa(`${name}.ca`, tls.ca)
  const { servername } = tls
  if (servername !== undefined && (typeof servername !== 'string' || isIP(servername) !== 0 || !isHostname(servername)))
    throw invalid(`${name}.servername`, 'a DNS name', servername)
  return {
    ...(rejectUnauthorized !== undefined && { rejectUnauthorized }),
    ...(ca !== undefined && { ca }),
    ...(servername !== undefined && { servername }),
  }
}

/**
 * Node's `tls.connect` options for a host and the checked settings: SNI is the servername,
 * else the host when it is a name (never an IP literal, which SNI forbids).
 *
 * @example
 * tls.connect({ host, port, ...tlsConnectOptions(host, options.tls ?? {}) })
 */
export function tlsConnectOptions(host: string, tls: TlsOptions): ConnectionOptions {
  const servername = tls.servername ?? (isIP(host) === 0 ? host : undefined)
  return {
    ...(servername !== undefined && { servername }),
    ...(tls.ca !== undefined && { ca: tls.ca }),
    ...(tls.rejectUnauthorized !== undefined && { rejectUnauthorized: tls.rejectUnauthorized }),
  }
}
