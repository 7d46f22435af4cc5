/**
 * Parsing and validation of check targets: URLs, hosts, DSNs.
 *
 * Every target is validated before anything is spawned, resolved or sent. Bad input
 * throws a {@link TargetError} whose message names the matcher argument and says what a
 * valid one looks like; it never reaches a driver, a shell or the network.
 *
 * @module
 */
import { isIP } from 'node:net'
import { TargetError } from './errors.ts'
import { checkOptions, describeValue } from './validate.ts'
import { redact, registerUrlSecrets } from './redact.ts'

const HOST_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/i
// C0 controls, DEL, C1 controls, and whitespace: never valid anywhere in a target
const CONTROL = /[\u0000-\u0020\u007f-\u009f]/

/**
 * Checks that `input` is a non-empty string (or URL) and returns it trimmed.
 * `undefined` gets a hint about unset environment variables.
 *
 * @example
 * requireTarget(process.env.API_URL, 'an http(s) URL') // throws when API_URL is unset
 */
export function requireTarget(input: unknown, what: string): string {
  if (input instanceof URL) return input.href
  if (input === undefined || input === null) {
    throw new TargetError(`the target is ${input}: expected ${what} (is the environment variable that holds it set?)`)
  }
  if (typeof input !== 'string') throw new TargetError(`the target must be a string, ${what}; got ${describeValue(input)}`)
  const trimmed = input.trim()
  if (trimmed === '') throw new TargetError(`the target is an empty string: expected ${what} (is the environment variable that holds it set?)`)
  registerUrlSecrets(trimmed)
  if (CONTROL.test(trimmed)) {
    throw new TargetError(`the target ${describeValue(trimmed)} contains whitespace or a control character (CR, LF, tab…): expected ${what}`)
  }
  return trimmed
}

/**
 * Whether `host` is a DNS name (letters, digits, `-`, `_`, dots) or an IP literal. IPv6
 * zone ids (`fe80::1%eth0`) are refused: no probe can honour them (URLs cannot carry
 * them, resolvers and drivers drop them).
 *
 * @example
 * isHostname('db.internal') // true
 * isHostname('127.0.0.1; rm -rf /') // false
 * isHostname('::1%lo') // false
 */
export function isHostname(host: string): boolean {
  if (host.includes('%')) return false
  if (isIP(host)) return true
  if (host.length === 0 || host.length > 253) return false
  const name = host.endsWith('.') ? host.slice(0, -1) : host
  const labels = name.split('.')
  return labels.every((label) => HOST_LABEL.test(label)) && !/^\d+$/.test(labels.at(-1) ?? '')
}

/**
 * Validates a bare host: a DNS name or an IPv4/IPv6 literal (brackets allowed for IPv6).
 * Returns the host without brackets.
 *
 * @example
 * parseHost('[::1]') // '::1'
 * parseHost('$(id)') // throws TargetError
 */
export function parseHost(input: unknown): string {
  const raw = requireTarget(input, 'a hostname or an IP address')
  const host = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw
  if (!isHostname(host)) {
    throw new TargetError(
      `${describeValue(raw)} is not a hostname or an IP address: use letters, digits, "-" and "." (e.g. "db.internal", "10.0.0.5", "::1")`,
    )
  }
  return host
}

/**
 * Parses a URL and checks its scheme, host and port. Credentials found in it are registered
 * as secrets before anything else happens, so that no later message can leak them.
 *
 * @example
 * parseUrl('https://api.example.com/health', ['http:', 'https:'], 'an http(s) URL')
 */
export function parseUrl(input: unknown, protocols: readonly string[], what: string): URL {
  const raw = requireTarget(input, what)
  // `http:///x` parses, as host x: an empty authority is a typo, not a host
  if (/^[a-z][a-z0-9+.-]*:\/\/[/?#]/i.test(raw)) throw new TargetError(`${describeValue(raw)} has no host after "//": expected ${what}`)
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    const port = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/?#]*@)?(?:\[[^\]]*\]|[^/?#:]*):(\d+)(?:[/?#]|$)/i.exec(raw)?.[1]
    const why = port !== undefined && Number(port) > 65535 ? `port ${port} is out of range (1-65535)` : 'it is not a valid URL'
    throw new TargetError(`${describeValue(raw)}: ${why}; expected ${what}`)
  }
  let decoded: Array<[string, string]>
  try {
    decoded = [
      ['user', decodeURIComponent(url.username)],
      ['password', decodeURIComponent(url.password)],
    ]
  } catch {
    throw new TargetError(`${describeValue(raw)} has a malformed %-escape in its user or password: encode "%" as %25`)
  }
  // a DSN's parts are decoded and sent as they are (to a driver, into a protocol message): a
  // %00 or %0d%0a there would reach the server; an HTTP path or query is sent still encoded
  if (!WEB_SCHEMES.has(url.protocol)) {
    try {
      decoded.push(['database or path', decodeURIComponent(url.pathname)])
    } catch {
      throw new TargetError(`${describeValue(raw)} has a malformed %-escape in its path: encode "%" as %25`)
    }
    for (const [name, value] of url.searchParams) decoded.push([`parameter ${name}`, value])
  }
  for (const [part, value] of decoded) {
    if (CONTROL_CHARACTER.test(value)) {
      throw new TargetError(
        `${describeValue(raw)} has a control character (such as %00, %0d or %0a) in its ${part}: it would be sent to the server as it is; remove it`,
      )
    }
  }
  if (!protocols.includes(url.protocol)) {
    throw new TargetError(
      `${describeValue(raw)} has the scheme "${url.protocol.slice(0, -1)}": expected ${what} (${protocols.map((p) => `${p}//`).join(', ')})`,
    )
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  if (host && !isHostname(safeDecode(host))) {
    throw new TargetError(`${describeValue(raw)} has an invalid host ${describeValue(host)}`)
  }
  // WHATWG URL accepts port 0, which is never connectable
  if (url.port === '0') throw new TargetError(`${describeValue(raw)} has port 0: use a port between 1 and 65535`)
  return url
}

const WEB_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:'])
// C0 controls and DEL, once decoded
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/**
 * The URL as text with its credentials and secret parameters masked, for messages.
 *
 * @example
 * displayUrl(new URL('postgres://app:pw@db/app')) // 'postgres://app:***@db/app'
 */
export function displayUrl(url: URL | string): string {
  return redact(typeof url === 'string' ? url : url.href)
}

/**
 * `host:port` of a URL, for messages (IPv6 in brackets), using the scheme's default port.
 *
 * @example
 * hostPort(new URL('https://example.com/x'), 443) // 'example.com:443'
 */
export function hostPort(url: URL, defaultPort: number): string {
  return `${url.hostname}:${url.port || defaultPort}`
}

/**
 * The host (IPv6 without brackets), port (the scheme's default when the URL has none) and
 * `host:port` for messages, of a URL.
 *
 * @example
 * endpoint(new URL('amqp://[::1]/vhost'), 5672) // { host: '::1', port: 5672, where: '[::1]:5672' }
 */
export function endpoint(url: URL, defaultPort: number): HostPort & { where: string } {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const port = Number(url.port) || defaultPort
  return { host, port, where: formatHostPort({ host, port }) }
}

/** A host and a port, parsed from `host:port`, `[v6]:port` or `scheme://host:port`. */
export interface HostPort {
  host: string
  port: number
}

/**
 * Parses `host:port`, `[::1]:port`, or a URL of one of `schemes` (`tcp://host:port`,
 * `https://host`). Without a port, `defaultPort` is used, or the input is rejected.
 *
 * @example
 * parseHostPort('[::1]:6379', { what: 'host:port' }) // { host: '::1', port: 6379 }
 * parseHostPort('https://api.example.com', { what: 'host[:port]', defaultPort: 443, schemes: ['https:'] })
 */
export function parseHostPort(
  input: unknown,
  { what, defaultPort, schemes = [] }: { what: string; defaultPort?: number; schemes?: readonly string[] },
): HostPort {
  const raw = requireTarget(input, what)
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    const url = parseUrl(raw, schemes, what)
    const port = url.port ? Number(url.port) : (defaultPort ?? DEFAULT_PORTS[url.protocol])
    if (port === undefined) throw new TargetError(`${describeValue(raw)} has no port: expected ${what}`)
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port }
  }
  const match = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d*))?$/.exec(raw)
  // a bare IPv6 literal ("::1") has colons but no brackets: it cannot carry a port
  const bareIpv6 = isIP(raw) === 6
  const hostPart = bareIpv6 ? raw : (match?.[1] ?? '')
  const portPart = bareIpv6 ? undefined : match?.[2]
  const host = hostPart.startsWith('[') ? hostPart.slice(1, -1) : hostPart
  if (!match && !bareIpv6) throw new TargetError(`${describeValue(raw)} is not ${what} (e.g. "db.internal:5432", "[::1]:6379")`)
  if (!isHostname(host)) {
    throw new TargetError(
      `${describeValue(raw)} has an invalid host ${describeValue(host)}: expected ${what} (e.g. "db.internal:5432", "[::1]:6379")`,
    )
  }
  if (portPart === undefined || portPart === '') {
    if (defaultPort === undefined) throw new TargetError(`${describeValue(raw)} has no port: expected ${what} (e.g. "db.internal:5432")`)
    return { host, port: defaultPort }
  }
  const port = Number(portPart)
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new TargetError(`${describeValue(raw)} has port ${portPart}: use a port between 1 and 65535`)
  return { host, port }
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 }

/**
 * `host:port` for messages, with IPv6 hosts in brackets.
 *
 * @example
 * formatHostPort({ host: '::1', port: 6379 }) // '[::1]:6379'
 */
export function formatHostPort({ host, port }: HostPort): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`
}

/** A probe as the scheme dispatchers take it. */
type SchemeProbe<O, R> = (target: string, options: O, signal?: AbortSignal) => Promise<R>

/**
 * A probe that hands its target to the probe its URL scheme picks in `table` (`'amqp:'` →
 * `probeAmqp`), once the options are an object and the target is set (its credentials
 * registered as secrets); a target of no scheme in the table is refused with the schemes
 * that are.
 *
 * @example
 * export const probeBroker = probeByScheme({ 'amqp:': probeAmqp, 'nats:': probeNats }, { what: 'a broker URL', kind: 'broker URL', example: 'amqp://host' })
 */
export function probeByScheme<O extends object, R>(
  table: Readonly<Record<string, SchemeProbe<O, R>>>,
  { what, kind, example }: { what: string; kind: string; example: string },
): (target: string | undefined, options?: O, signal?: AbortSignal) => Promise<R> {
  const schemes = Object.keys(table).map((p) => `${p}//`)
  return async (target, options, signal) => {
    const checked = checkOptions(options)
    const raw = requireTarget(target, `${what} (${schemes.join(', ')})`)
    registerUrlSecrets(raw)
    const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(raw)?.[1]?.toLowerCase()
    const probe = scheme && Object.hasOwn(table, scheme) ? table[scheme] : undefined
    if (probe === undefined)
      throw new TargetError(`${describeValue(raw)} is not a supported ${kind}: use one of ${schemes.join(', ')} (e.g. ${example})`)
    return probe(raw, checked, signal)
  }
}
