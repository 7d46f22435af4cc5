/**
 * `expect(url).toConnectToBroker(options?)`: the message broker accepts a connection
 * from here, with the URL's credentials.
 *
 * @module
 */
import { type BrokerObserved, type BrokerProbeOptions, probeBroker } from '../src/probes/broker.ts'
import { type MatcherContext, type MatcherResult, runCheck, withDefaultTimeout } from './check.ts'

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
    expected: 'a connection accepted, handshake and authentication included',
    probe: (signal, timeoutMs) => probeBroker(target as string, withDefaultTimeout(options, timeoutMs), signal),
  })
}
