/**
 * `expect(name).toResolveDns(options?)`: DNS answers for the name, with the expected records.
 *
 * @module
 */
import type { DnsObserved, DnsProbeOptions } from '../src/probes/dns.ts'
import { cutList } from '../src/core/text.ts'
import { type MatcherContext, type MatcherResult, once, runCheck, withDefaultTimeout } from './check.ts'

// the probe (and the modules it needs) loads on first use: registering the matchers stays cheap
const load = once(() => import('../src/probes/dns.ts'))

/**
 * Asserts that DNS resolves `name` (type `A` by default) and, with `includes`, that the
 * answers include the given values. `servers` asks given resolvers instead of the system's.
 *
 * @example
 * await expect('api.example.com').toResolveDns({ type: 'A', includes: '10.0.0.5' })
 * await expect('_sip._tcp.example.com').toResolveDns({ type: 'SRV', servers: ['10.0.0.2'] })
 */
export function toResolveDns(this: MatcherContext, target: unknown, options: DnsProbeOptions = {}): Promise<MatcherResult> {
  return runCheck<DnsObserved>(this, {
    matcher: 'toResolveDns',
    componentType: 'system',
    facts: (observed) => ({ answers: observed.answers }),
    budgetMs: options?.maxLatencyMs,
    expected: () => {
      const type = options.type ?? 'A'
      const includes = typeof options.includes === 'string' ? [options.includes] : [...(options.includes ?? [])]
      const servers = options.servers ? ` from ${cutList([...options.servers])}` : ''
      return `${type} records${includes.length ? ` including ${cutList(includes.map((v) => JSON.stringify(v)))}` : ''}${servers}`
    },
    details: ({ observed }) => (observed.records.length > 0 ? [['records', cutList(observed.records, { total: observed.answers })]] : []),
    probe: async (signal, timeoutMs) => (await load()).probeDns(target as string, withDefaultTimeout(options, timeoutMs), signal),
  })
}
