/**
 * `expect(name).toResolveDns(options?)`: DNS answers for the name, with the expected records.
 *
 * @module
 */
import { cutList } from '../src/core/text.ts'
import { defineMatcher } from './check.ts'

/**
 * Asserts that DNS resolves `name` (type `A` by default) and, with `includes`, that the
 * answers include the given values. `servers` asks given resolvers instead of the system's.
 *
 * @example
 * await expect('api.example.com').toResolveDns({ type: 'A', includes: '10.0.0.5' })
 * await expect('_sip._tcp.example.com').toResolveDns({ type: 'SRV', servers: ['10.0.0.2'] })
 */
export const toResolveDns = defineMatcher({
  matcher: 'toResolveDns',
  componentType: 'system',
  probe: () => import('../src/probes/dns.ts').then((probes) => probes.probeDns),
  facts: (observed) => ({ answers: observed.answers }),
  expected: (options) => {
    const type = options.type ?? 'A'
    const includes = typeof options.includes === 'string' ? [options.includes] : [...(options.includes ?? [])]
    const servers = options.servers ? ` from ${cutList([...options.servers])}` : ''
    return `${type} records${includes.length ? ` including ${cutList(includes.map((v) => JSON.stringify(v)))}` : ''}${servers}`
  },
  details: ({ observed }) => (observed.records.length > 0 ? [['records', cutList(observed.records, { total: observed.answers })]] : []),
})
