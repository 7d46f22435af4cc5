/**
 * `expect(host).toBePingable(options?)`: the host answers ICMP echo requests.
 *
 * @module
 */
import { formatMs } from '../src/core/text.ts'
import type { PingObserved, PingProbeOptions } from '../src/probes/ping.ts'
import { type MatcherContext, type MatcherResult, once, runCheck, withDefaultTimeout } from './check.ts'

// the probe (and the modules it needs) loads on first use: registering the matchers stays cheap
const load = once(() => import('../src/probes/ping.ts'))

/**
 * Asserts that a host (name or IP literal) answers at least one of `count` pings (default 3),
 * with an average round trip within `maxLatencyMs` when given. Needs the system `ping` binary.
 *
 * @example
 * await expect('10.0.0.5').toBePingable({ count: 3, maxLatencyMs: 20 })
 */
export function toBePingable(this: MatcherContext, target: unknown, options: PingProbeOptions = {}): Promise<MatcherResult> {
  return runCheck<PingObserved>(this, {
    matcher: 'toBePingable',
    componentType: 'system',
    facts: (observed) => ({
      received: observed.received,
      packetLossPercent: observed.packetLossPercent,
      ...(observed.address && { address: observed.address }),
    }),
    budgetMs: options?.maxLatencyMs,
    expected: () => {
      const count = options.count ?? 3
      const latency = options.maxLatencyMs === undefined ? '' : `, average round trip within ${formatMs(options.maxLatencyMs)}`
      return `a reply to at least 1 of ${count} echo request${count === 1 ? '' : 's'}${latency}`
    },
    details: ({ observed }) =>
      observed.sent > 0 ? [['packets', `${observed.received}/${observed.sent} received, ${observed.packetLossPercent}% loss`]] : [],
    probe: async (signal, timeoutMs) => (await load()).probePing(target as string, withDefaultTimeout(options, timeoutMs), signal),
  })
}
