import { describe, expect, test } from 'vitest'
import { failureOf } from '../support/failure.ts'
import { freePort } from '../support/servers.ts'

describe('toConnectToBroker', () => {
  test.each(['amqp://guest:guest@127.0.0.1:5672', 'mqtt://127.0.0.1:1883', 'nats://127.0.0.1:4222'])('passes for %s', async (url) => {
    await expect(url).toConnectToBroker()
  })

  test('fails a wrong AMQP password, masked', async () => {
    const message = await failureOf(expect('amqp://guest:Wrong-Rabbit-3@127.0.0.1:5672').toConnectToBroker())
    expect(message).toContain('observed  EAUTH: AMQP at 127.0.0.1:5672 refused the login (403 ACCESS_REFUSED)')
    expect(message).not.toContain('Wrong-Rabbit-3')
  })

  test('.not passes when nothing listens', async () => {
    await expect(`nats://127.0.0.1:${await freePort()}`).not.toConnectToBroker()
  })

  test('rejects an unsupported scheme, even under .not', async () => {
    await expect(expect('kafka://k:9092').not.toConnectToBroker()).rejects.toThrow(
      /^toConnectToBroker: "kafka:\/\/k:9092" is not a supported broker URL/,
    )
  })
})
