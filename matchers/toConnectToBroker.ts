/**
 * `expect(url).toConnectToBroker(options?)`: the message broker accepts a connection
 * from here, with the URL's credentials.
 *
 * @module
 */
import type { BrokerObserved, BrokerProbeOptions } from '../src/probes/broker.ts'
import { type MatcherContext, type MatcherResult, once, runCheck, withDefaultTimeout } from './check.ts'

// the probe (and the modules it needs) loads on first use: registering the matchers stays cheap
const load = once(() => import('../src/probes/broker.ts'))

/**
 * Asserts that an AMQP (`amqp://`, `amqps://`), MQTT (`mqtt://`, `mqtts://`) or NATS
 * (`nats://`, `tls://`) broker completes the protocol handshake, authentication included.
 * The drivers (amqplib, mqtt, nats) are optional peers, loaded on first use.
 *
 * @example
 * await expect(process.env.AMQP_URL).toConnectToBroker()
 */
export function toConnectToBroker(this: MatcherContext, target: unknown, options: BrokerProbeOptions = {}): Promise<MatcherResult> {
  return runCheck<BrokerObserved>(this, {
    matcher: 'toConnectToBroker',
    componentType: 'component',
    facts: (observed) => ({ protocol: observed.protocol, ...(observed.server && { serverVersion: observed.server }) }),
    budgetMs: options?.maxLatencyMs,
    expected: () => 'a connection accepted, handshake and authentication included',
    probe: async (signal, timeoutMs) => (await load()).probeBroker(target as string, withDefaultTimeout(options, timeoutMs), signal),
  })
}
