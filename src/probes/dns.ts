/**
 * DNS probe: asks DNS for records of a name, as this host's resolvers (or the `servers`
 * given) answer it. Uses Node's c-ares resolver, so it asks DNS itself, not /etc/hosts;
 * to check what an application would connect to, use the TCP probe.
 *
 * @module
 */
import { Resolver } from 'node:dns/promises'
import { isIP } from 'node:net'
import { TargetError } from '../core/errors.ts'
import { runExchange } from '../core/exchange.ts'
import { errorCode, errorMessage } from '../core/network-errors.ts'
import type { ProbeError, ProbeOptions, ProbeResult } from '../core/result.ts'
import { isHostname, parseHostPort, requireTarget } from '../core/targets.ts'
import { cutList, formatMs, peerText } from '../core/text.ts'
import { checkLimits, checkOneOf, checkOptions, checkStrings, describeValue } from '../core/validate.ts'

/** Record types {@link probeDns} asks for. */
export type DnsRecordType = 'A' | 'AAAA' | 'CNAME' | 'MX' | 'TXT' | 'SRV'

/** Options of {@link probeDns}. */
export interface DnsProbeOptions extends ProbeOptions {
  /** Record type. Default `A`. */
  type?: DnsRecordType
  /** Value(s) that must be among the answers: an address, a name, an MX exchange, a TXT string, an SRV target. */
  includes?: string | readonly string[]
  /** DNS servers to ask instead of the system's: `'10.0.0.2'`, `'127.0.0.1:5353'`, `'[::1]:53'`. */
  servers?: readonly string[]
}

/** What {@link probeDns} observed. */
export interface DnsObserved {
  name: string
  type: DnsRecordType
  /** The answers, as text: `10.0.0.5`, `10 mx.example.com` (MX), `0 5 5060 sip.example.com` (SRV); the first 100, each cut and printable. */
  records: string[]
  /** How many answers came. */
  answers: number
  /** The servers asked. */
  servers: string[]
}

const TYPES: DnsRecordType[] = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'SRV']
/** Answers kept in `observed.records`. */
const MAX_RECORDS = 100

const DNS_ERRORS: Record<string, (name: string, type: string, servers: string) => Omit<ProbeError, 'code'>> = {
  ENOTFOUND: (name) => ({
    message: `${name} does not exist (NXDOMAIN)`,
    hint: 'check the name for typos, and that its zone is published on the servers asked. DNS is asked directly, not /etc/hosts: names only there (such as localhost) do not resolve here; to check what an application connects to, use toAcceptTcp',
  }),
  ENODATA: (name, type) => ({
    message: `${name} exists but has no ${type} record`,
    hint: `add the ${type} record, or ask for the type the name has`,
  }),
  ESERVFAIL: (name, _, servers) => ({
    message: `the DNS server (${servers}) failed to answer for ${name} (SERVFAIL)`,
    hint: 'the server could not resolve it: check its upstreams, DNSSEC, and the authoritative servers of the zone',
  }),
  EREFUSED: (name, _, servers) => ({
    message: `the DNS server (${servers}) refused to answer for ${name} (REFUSED)`,
    hint: 'the server does not serve this client or zone: check its ACLs and recursion settings',
  }),
  ECONNREFUSED: (_, __, servers) => ({
    message: `the DNS server (${servers}) refused the connection`,
    hint: 'nothing answers DNS on that address and port: check the server address',
  }),
  ETIMEDOUT: (name, _, servers) => ({
    message: `no answer from the DNS server (${servers}) for ${name}`,
    hint: 'the server is down or unreachable from here (firewall on port 53?)',
  }),
  EBADRESP: (name) => ({
    message: `the DNS server sent a malformed answer for ${name}`,
    hint: 'check the server, or anything rewriting DNS on the way',
  }),
  ENOTIMP: (name, type) => ({ message: `the DNS server does not implement ${type} queries for ${name} (NOTIMP)` }),
  EFORMERR: (name) => ({ message: `the DNS server rejected the query for ${name} as malformed (FORMERR)` }),
}

/**
 * Resolves records of `name` and checks that the answer includes what is expected.
 *
 * @example
 * const result = await probeDns('api.example.com', { type: 'A', includes: '10.0.0.5', servers: ['10.0.0.2'] })
 * console.log(result.observed.records)
 */
export async function probeDns(target: string, options: DnsProbeOptions = {}, signal?: AbortSignal): Promise<ProbeResult<DnsObserved>> {
  const limits = checkLimits(checkOptions(options, ['type', 'includes', 'servers']))
  const raw = requireTarget(target, 'a DNS name')
  if (isIP(raw) || !isHostname(raw))
    throw new TargetError(`${describeValue(raw)} is not a DNS name (e.g. "api.example.com", "_sip._tcp.example.com")`)
  const type = checkOneOf('type', options.type, TYPES) ?? 'A'
  const includes = checkStrings('includes', options.includes)
  const resolver = new Resolver({ timeout: Math.max(1, Math.floor(limits.timeoutMs)), tries: 1 })
  if (options.servers !== undefined) resolver.setServers(checkServers(options.servers))
  const observed: DnsObserved = { name: raw, type, records: [], answers: 0, servers: resolver.getServers() }
  const servers = observed.servers.join(', ') || 'system resolver'
  let answers: string[] = []
  return runExchange(
    { where: raw, limits, observed, signal },
    {
      first: ['dns', 'asking DNS'],
      exchange: async (step) => {
        answers = await step.race(query(resolver, raw, type))
        // a TXT answer is the peer's text: what is shown is cut and printable; `includes` reads it whole
        observed.answers = answers.length
        observed.records = answers.slice(0, MAX_RECORDS).map((record) => peerText(record, 300))
      },
      timeout: () => ({
        code: 'ETIMEDOUT',
        message: `no answer for ${raw} within ${formatMs(limits.timeoutMs)} from ${servers}`,
        hint: 'the DNS server is down or unreachable from here (firewall on port 53?)',
      }),
      describe: (caught) => {
        // c-ares says ETIMEOUT where every other probe says ETIMEDOUT (docs/errors.md)
        const code = errorCode(caught) === 'ETIMEOUT' ? 'ETIMEDOUT' : errorCode(caught)
        const known = DNS_ERRORS[code]
        return known
          ? { code, ...known(raw, type, servers) }
          : { code: code || 'EDNS', message: `DNS query for ${raw} (${type}) failed: ${errorMessage(caught)}` }
      },
      close: () => resolver.cancel(),
      failures: () =>
        includes
          .filter((want) => !answers.some((record) => recordMatches(record, want, type)))
          .map(
            (want) =>
              `${type} records of ${raw} do not include ${JSON.stringify(want)} (they are: ${observed.records.length > 0 ? cutList(observed.records, { total: answers.length }) : 'none'})`,
          ),
      summary: () =>
        `${raw} ${type} → ${observed.records.length > 0 ? cutList(observed.records, { maxItems: 5, itemChars: 60, total: answers.length }) : 'no records'}`,
    },
  )
}

function checkServers(servers: readonly string[]): string[] {
  if (!Array.isArray(servers) || servers.length === 0)
    throw new TargetError('servers must be a non-empty list such as ["10.0.0.2", "127.0.0.1:5353"]')
  return servers.map((server) => {
    const { host, port } = parseHostPort(server, { what: 'a DNS server address (IP or IP:port)', defaultPort: 53 })
    if (!isIP(host)) throw new TargetError(`DNS server ${describeValue(server)} must be an IP address (optionally with :port), not a name`)
    return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`
  })
}

async function query(resolver: Resolver, name: string, type: DnsRecordType): Promise<string[]> {
  switch (type) {
    case 'A':
      return resolver.resolve4(name)
    case 'AAAA':
      return resolver.resolve6(name)
    case 'CNAME':
      return resolver.resolveCname(name)
    case 'MX':
      return (await resolver.resolveMx(name)).sort((a, b) => a.priority - b.priority).map((mx) => `${mx.priority} ${mx.exchange}`)
    case 'TXT':
      return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''))
    case 'SRV':
      return (await resolver.resolveSrv(name)).map((srv) => `${srv.priority} ${srv.weight} ${srv.port} ${srv.name}`)
  }
}

/** A wanted value matches a record whole, or (MX, SRV) its host name; names ignore case and a trailing dot. */
function recordMatches(record: string, want: string, type: DnsRecordType): boolean {
  const norm = (text: string): string => (type === 'TXT' ? text : text.toLowerCase().replace(/\.$/, ''))
  if (norm(record) === norm(want)) return true
  if (type === 'MX' || type === 'SRV') return norm(record.split(' ').at(-1) ?? '') === norm(want)
  if (type === 'AAAA') return expandIpv6(record) === expandIpv6(want)
  return false
}

function expandIpv6(address: string): string {
  if (isIP(address) !== 6) return address
  const [head = '', tail = ''] = address.split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left
  return groups.map((g) => g.padStart(4, '0').toLowerCase()).join(':')
}
