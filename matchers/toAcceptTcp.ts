/**
 * `expect('host:port').toAcceptTcp(options?)`: the port accepts a TCP connection from here.
 *
 * @module
 */
import { formatMs } from '../src/core/text.ts'
import type { TcpObserved, TcpProbeOptions } from '../src/probes/tcp.ts'
import { type MatcherContext, type MatcherResult, once, runCheck, withDefaultTimeout } from './check.ts'

// the probe (and the modules it needs) loads on first use: registering the matchers stays cheap
const load = once(() => import('../src/probes/tcp.ts'))

/**
 * Asserts that `host:port` (IPv6 as `[::1]:6379`) accepts a TCP connection; nothing is sent.
 *
 * @example
 * await expect('db.internal:5432').toAcceptTcp({ maxLatencyMs: 50 })
 */
export function toAcceptTcp(this: MatcherContext, target: unknown, options: TcpProbeOptions = {}): Promise<MatcherResult> {
  return runCheck<TcpObserved>(this, {
    matcher: 'toAcceptTcp',
    componentType: 'system',
    facts: (observed) => (observed.address ? { address: observed.address } : {}),
    budgetMs: options?.maxLatencyMs,
    expected: () => `a TCP connection accepted${options.maxLatencyMs === undefined ? '' : `, within ${formatMs(options.maxLatencyMs)}`}`,
    probe: async (signal, timeoutMs) => (await load()).probeTcp(target as string, withDefaultTimeout(options, timeoutMs), signal),
  })
}
