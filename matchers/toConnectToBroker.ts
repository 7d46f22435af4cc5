/**
 * `expect(url).toConnectToBroker(options?)`: the message broker accepts a connection
 * from here, with the URL's credentials.
 *
 * @module
 */
import { defineMatcher } from './check.ts'

/**
 * Asserts that an AMQP (`amqp://`, `amqps://`), MQTT (`mqtt://`, `mqtts://`) or NATS
 * (`nats://`, `tls://`) broker completes the protocol handshake, authentication included.
 * The drivers (amqplib, mqtt, nats) are optional peers, loaded on first use.
 *
 * @example
 * await expect(process.env.AMQP_URL).toConnectToBroker()
 */
export const toConnectToBroker = defineMatcher({
  matcher: 'toConnectToBroker',
  componentType: 'component',
  probe: () => import('../src/probes/broker.ts').then((probes) => probes.probeBroker),
  facts: (observed) => ({ protocol: observed.protocol, ...(observed.server && { serverVersion: observed.server }) }),
  expected: () => 'a connection accepted, handshake and authentication included',
})
