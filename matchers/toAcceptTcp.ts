/**
 * `expect('host:port').toAcceptTcp(options?)`: the port accepts a TCP connection from here.
 *
 * @module
 */
import { formatMs } from '../src/core/text.ts'
import { defineMatcher } from './check.ts'

/**
 * Asserts that `host:port` (IPv6 as `[::1]:6379`) accepts a TCP connection; nothing is sent.
 *
 * @example
 * await expect('db.internal:5432').toAcceptTcp({ maxLatencyMs: 50 })
 */
export const toAcceptTcp = defineMatcher({
  matcher: 'toAcceptTcp',
  componentType: 'system',
  probe: () => import('../src/probes/tcp.ts').then((probes) => probes.probeTcp),
  facts: (observed) => (observed.address ? { address: observed.address } : {}),
  expected: (options) => `a TCP connection accepted${options.maxLatencyMs === undefined ? '' : `, within ${formatMs(options.maxLatencyMs)}`}`,
})
