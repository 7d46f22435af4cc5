import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { TargetError } from '../../src/core/errors.ts'
import { probeBroker } from '../../src/probes/broker.ts'
import { type PrivateBroker, startMosquitto, startNats } from '../support/brokers.ts'
import { timed } from '../support/failure.ts'
import { watchHandles } from '../support/handles.ts'
import { freePort, type Running, startGarbage, startSilent } from '../support/servers.ts'

const USER = 'app'
const PASSWORD = 'Broker-Pass-42'

describe('probeBroker against the local brokers', () => {
  test.each([
    ['amqp://guest:guest@127.0.0.1:5672', /^RabbitMQ \d/, /^RabbitMQ [\d.]+ opened virtual host \/$/],
    ['mqtt://127.0.0.1:1883', /^MQTT /, /^MQTT broker at 127\.0\.0\.1:1883 accepted the connection$/],
    ['nats://127.0.0.1:4222', /^nats-server \d/, /^nats-server [\d.]+ at 127\.0\.0\.1:4222 accepted the connection$/],
  ])('%s: handshake, then close', async (url, server, summary) => {
    const handles = watchHandles()
    const result = await probeBroker(url)
    expect(result.error).toBeUndefined()
    expect(result.ok).toBe(true)
    expect(result.observed.server).toMatch(server)
    expect(result.summary).toMatch(summary)
    expect(await handles.leaked(1000)).toEqual([])
  })

  test('AMQP: a wrong password is refused, and never shown', async () => {
    const result = await probeBroker('amqp://guest:Wrong-Amqp-9@127.0.0.1:5672')
    expect(result.error).toMatchObject({ code: 'EAUTH', message: 'AMQP at 127.0.0.1:5672 refused the login (403 ACCESS_REFUSED)' })
    expect(result.target).toMatch(/:\*\*\*@127\.0\.0\.1:5672$/)
    expect(JSON.stringify(result)).not.toContain('Wrong-Amqp-9')
  })

  test('AMQP: an unknown virtual host is named', async () => {
    const result = await probeBroker('amqp://guest:guest@127.0.0.1:5672/no-such-vhost')
    expect(result.error).toMatchObject({ code: 'EVHOST', message: 'AMQP at 127.0.0.1:5672 refused to open virtual host "no-such-vhost"' })
  })
})

describe('probeBroker with credentials', () => {
  let mosquitto: PrivateBroker
  let nats: PrivateBroker
  beforeAll(async () => {
    ;[mosquitto, nats] = await Promise.all([startMosquitto(USER, PASSWORD), startNats(USER, PASSWORD)])
  })
  afterAll(async () => {
    await Promise.all([mosquitto?.stop(), nats?.stop()])
  })

  test('MQTT: right credentials pass; wrong ones are refused, and never shown', async () => {
    expect((await probeBroker(`mqtt://${USER}:${PASSWORD}@127.0.0.1:${mosquitto.port}`)).ok).toBe(true)
    const result = await probeBroker(`mqtt://${USER}:Wrong-Mqtt-8@127.0.0.1:${mosquitto.port}`)
    expect(result.error?.code).toBe('EAUTH')
    expect(result.error?.message).toMatch(new RegExp(`^MQTT at 127\\.0\\.0\\.1:${mosquitto.port} refused the connection: `))
    expect(JSON.stringify(result)).not.toContain('Wrong-Mqtt-8')
  })

  test('NATS: right credentials pass; wrong ones are refused, and never shown', async () => {
    expect((await probeBroker(`nats://${USER}:${PASSWORD}@127.0.0.1:${nats.port}`)).ok).toBe(true)
    const result = await probeBroker(`nats://${USER}:Wrong-Nats-7@127.0.0.1:${nats.port}`)
    expect(result.error).toMatchObject({ code: 'EAUTH', message: `NATS at 127.0.0.1:${nats.port} refused the credentials (Authorization Violation)` })
    expect(JSON.stringify(result)).not.toContain('Wrong-Nats-7')
  })
})

describe('probeBroker against misbehaving peers', () => {
  const servers: Running[] = []
  let silent: Running
  let garbage: Running
  beforeAll(async () => {
    silent = await startSilent()
    garbage = await startGarbage('HTTP/1.1 400 Bad Request\r\n\r\n')
    servers.push(silent, garbage)
  })
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()))
  })

  test.each(['amqp', 'mqtt', 'nats'])('%s: accepts and never answers: fails within the deadline, leaving no socket', async (scheme) => {
    const handles = watchHandles()
    const { value: result, ms } = await timed(() => probeBroker(`${scheme}://127.0.0.1:${silent.port}`, { timeoutMs: 400 }))
    expect(ms).toBeLessThan(480)
    expect(result.error?.code).toBe('ETIMEDOUT')
    expect(await handles.leaked()).toEqual([])
  })

  test.each(['amqp', 'mqtt', 'nats'])('%s: refused', async (scheme) => {
    expect((await probeBroker(`${scheme}://127.0.0.1:${await freePort()}`)).error?.code).toBe('ECONNREFUSED')
  })

  test.each(['amqp', 'mqtt', 'nats'])('%s: speaks another protocol: fails, does not hang', async (scheme) => {
    const { value: result, ms } = await timed(() => probeBroker(`${scheme}://127.0.0.1:${garbage.port}`, { timeoutMs: 1000 }))
    expect(ms).toBeLessThan(1200)
    expect(result.ok).toBe(false)
  })
})

describe('probeBroker input', () => {
  test('lists the supported schemes for an unknown one, password masked', async () => {
    await expect(probeBroker('kafka://u:Kafka-Pass-1@k:9092')).rejects.toThrow(
      '"kafka://u:***@k:9092" is not a supported broker URL: use one of amqp://, amqps://, mqtt://, mqtts://, nats://, tls:// (e.g. amqp://user:password@host:5672/vhost)',
    )
  })

  test.each([undefined, '', 'amqp://$(id)/'])('rejects %j', async (target) => {
    await expect(probeBroker(target)).rejects.toThrow(TargetError)
  })
})
