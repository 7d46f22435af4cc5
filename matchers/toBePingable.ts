/**
 * `expect(host).toBePingable(options?)`: the host answers ICMP echo requests.
 *
 * @module
 */
import { formatMs } from '../src/core/text.ts'
import { defineMatcher } from './check.ts'

/**
 * Asserts that a host (name or IP literal) answers at least one of `count` pings (default 3),
 * with an average round trip within `maxLatencyMs` when given. Needs the system `ping` binary.
 *
 * @example
 * await expect('10.0.0.5').toBePingable({ count: 3, maxLatencyMs: 20 })
 */
export const toBePingable = defineMatcher({
  matcher: 'toBePingable',
  componentType: 'system',
  probe: () => import('../src/probes/ping.ts').then((probes) => probes.probePing),
  facts: (observed) => ({
    received: observed.received,
    packetLossPercent: observed.packetLossPercent,
    ...(observed.address && { address: observed.address }),
  }),
  expected: (options) => {
    const count = options.count ?? 3
    const latency = options.maxLatencyMs === undefined ? '' : `, average round trip within ${formatMs(options.maxLatencyMs)}`
    return `a reply to at least 1 of ${count} echo request${count === 1 ? '' : 's'}${latency}`
  },
  details: ({ observed }) =>
    observed.sent > 0 ? [['packets', `${observed.received}/${observed.sent} received, ${observed.packetLossPercent}% loss`]] : [],
})
