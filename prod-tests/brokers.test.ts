// Can this host reach its message brokers, with its credentials?
import { expect, test } from 'vitest'

test('rabbitmq accepts the service user', { tags: ['smoke'] }, async () => {
  await expect(process.env.AMQP_URL).toConnectToBroker()
})

test('mqtt broker accepts connections', { tags: ['smoke'] }, async () => {
  await expect(process.env.MQTT_URL).toConnectToBroker()
})

test('nats accepts connections', { tags: ['smoke'] }, async () => {
  await expect(process.env.NATS_URL).toConnectToBroker()
})
