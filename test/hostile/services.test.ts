// Databases, caches, brokers and mail relays that misbehave: peers speaking garbage on
// their protocol's port, the real local servers with wrong credentials or unknown
// databases, and a Redis that stops in the middle of the suite.
import { randomBytes } from 'node:crypto'
import type { Socket } from 'node:net'
import { createConnection } from 'mysql2/promise'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type PrivateBroker, startMosquitto, startNats } from '../support/brokers.ts'
import { type PrivateRedis, startRedis } from '../support/redis.ts'
import { type Running, startTcp } from '../support/servers.ts'
import { loadProbes, mustFail, TIMEOUT_MS, writeRows } from './record.ts'

const timeoutMs = TIMEOUT_MS
const RIGHT = 'Right-Pass-73'
const WRONG = 'Wrong-Pass-91'

beforeAll(async () => {
  await loadProbes()
})
afterAll(() => writeRows(import.meta.filename))

describe('peers speaking garbage on the protocol port', () => {
  let garbage: Running
  beforeAll(async () => {
    // 64 random bytes at once, more every 100 ms, never closing: nothing a client can parse
    garbage = await startTcp((socket: Socket) => {
      socket.write(randomBytes(64))
      const timer = setInterval(() => socket.write(randomBytes(16)), 100)
      socket.on('close', () => clearInterval(timer))
    })
  })
  afterAll(() => garbage?.close())

  test.each([
    ['postgres', 'toConnectToDatabase', (p: number) => expect(`postgres://app:${WRONG}@127.0.0.1:${p}/app`).toConnectToDatabase({ timeoutMs })],
    ['mysql', 'toConnectToDatabase', (p: number) => expect(`mysql://app:${WRONG}@127.0.0.1:${p}/app`).toConnectToDatabase({ timeoutMs })],
    ['redis', 'toConnectToDatabase', (p: number) => expect(`redis://:${WRONG}@127.0.0.1:${p}`).toConnectToDatabase({ timeoutMs })],
    ['amqp', 'toConnectToBroker', (p: number) => expect(`amqp://app:${WRONG}@127.0.0.1:${p}`).toConnectToBroker({ timeoutMs })],
    ['mqtt', 'toConnectToBroker', (p: number) => expect(`mqtt://app:${WRONG}@127.0.0.1:${p}`).toConnectToBroker({ timeoutMs })],
    ['nats', 'toConnectToBroker', (p: number) => expect(`nats://app:${WRONG}@127.0.0.1:${p}`).toConnectToBroker({ timeoutMs })],
    ['smtp', 'toAcceptMail', (p: number) => expect(`smtp://app:${WRONG}@127.0.0.1:${p}`).toAcceptMail({ timeoutMs })],
  ] as const)('%s', async (protocol, matcher, run) => {
    const message = await mustFail('services', `garbage on a ${protocol} port`, `${matcher} (${protocol})`, () => run(garbage.port), /E[A-Z_]+:/)
    expect(message).not.toContain(WRONG)
  })
})

describe('the real local servers, refusing', () => {
  let redis: PrivateRedis
  let mosquitto: PrivateBroker
  let nats: PrivateBroker
  let smtp: SMTPServer
  let smtpPort = 0
  beforeAll(async () => {
    const admin = await createConnection({ uri: 'mysql://root@127.0.0.1:3306/test' })
    await admin.query(`CREATE USER IF NOT EXISTS 'prodcheck_hostile'@'127.0.0.1' IDENTIFIED BY '${RIGHT}'`)
    await admin.end()
    ;[redis, mosquitto, nats] = await Promise.all([startRedis(['--requirepass', RIGHT]), startMosquitto('app', RIGHT), startNats('app', RIGHT)])
    smtp = new SMTPServer({
      logger: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      onAuth: (auth, _session, callback) =>
        auth.password === RIGHT
          ? callback(null, { user: 'app' })
          : callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 })),
    })
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
    smtpPort = (smtp.server.address() as { port: number }).port
  }, 60_000)
  afterAll(async () => {
    const admin = await createConnection({ uri: 'mysql://root@127.0.0.1:3306/test' })
    await admin.query(`DROP USER IF EXISTS 'prodcheck_hostile'@'127.0.0.1'`)
    await admin.end()
    await Promise.all([redis?.stop(), mosquitto?.stop(), nats?.stop(), new Promise<void>((resolve) => smtp?.close(() => resolve()))])
  })

  const cases: Array<[string, string, () => Promise<unknown>, RegExp]> = [
    [
      'postgres: unknown database',
      'toConnectToDatabase (postgres)',
      () => expect(`postgres://postgres:${WRONG}@127.0.0.1:5432/no_such_db`).toConnectToDatabase({ timeoutMs }),
      /3D000: .*database "no_such_db" does not exist/,
    ],
    [
      'postgres: unknown role',
      'toConnectToDatabase (postgres)',
      () => expect(`postgres://ghost:${WRONG}@127.0.0.1:5432/test`).toConnectToDatabase({ timeoutMs }),
      /28000: .*role "ghost" does not exist/,
    ],
    [
      'mariadb: wrong password',
      'toConnectToDatabase (mysql)',
      () => expect(`mysql://prodcheck_hostile:${WRONG}@127.0.0.1:3306/test`).toConnectToDatabase({ timeoutMs }),
      /ER_ACCESS_DENIED_ERROR: .*Access denied/,
    ],
    [
      'mariadb: unknown database',
      'toConnectToDatabase (mysql)',
      () => expect(`mysql://prodcheck_hostile:${RIGHT}@127.0.0.1:3306/no_such_db`).toConnectToDatabase({ timeoutMs }),
      /ER_(BAD_DB|DBACCESS_DENIED)_ERROR/,
    ],
    [
      'redis: wrong password',
      'toConnectToDatabase (redis)',
      () => expect(`redis://:${WRONG}@127.0.0.1:${redis.port}`).toConnectToDatabase({ timeoutMs }),
      /WRONGPASS|invalid username-password/,
    ],
    [
      'redis: unknown database number',
      'toConnectToDatabase (redis)',
      () => expect(`redis://:${RIGHT}@127.0.0.1:${redis.port}/99`).toConnectToDatabase({ timeoutMs }),
      /DB index is out of range/,
    ],
    [
      'rabbitmq: wrong password',
      'toConnectToBroker (amqp)',
      () => expect(`amqp://guest:${WRONG}@127.0.0.1:5672`).toConnectToBroker({ timeoutMs }),
      /EAUTH: .*ACCESS_REFUSED/,
    ],
    [
      'rabbitmq: unknown virtual host',
      'toConnectToBroker (amqp)',
      () => expect('amqp://guest:guest@127.0.0.1:5672/no-such-vhost').toConnectToBroker({ timeoutMs }),
      /EVHOST: .*"no-such-vhost"/,
    ],
    [
      'mosquitto: wrong password',
      'toConnectToBroker (mqtt)',
      () => expect(`mqtt://app:${WRONG}@127.0.0.1:${mosquitto.port}`).toConnectToBroker({ timeoutMs }),
      /EAUTH: MQTT .* refused the connection/,
    ],
    [
      'nats: wrong password',
      'toConnectToBroker (nats)',
      () => expect(`nats://app:${WRONG}@127.0.0.1:${nats.port}`).toConnectToBroker({ timeoutMs }),
      /EAUTH: NATS .* \(Authorization Violation\)/,
    ],
    [
      'smtp: wrong password',
      'toAcceptMail',
      () => expect(`smtp://app:${WRONG}@127.0.0.1:${smtpPort}`).toAcceptMail({ timeoutMs }),
      /EAUTH: SMTP .* 535 Invalid username or password/,
    ],
  ]
  test.each(cases)('%s', async (name, check, run, cause) => {
    const message = await mustFail('services', name, check, run, cause)
    expect(message).not.toContain(WRONG)
    expect(message).toMatch(/\n {2}fix {7}\S/)
  })
})

describe('a Redis stopped in the middle of the suite', () => {
  test('passes while it runs, fails at once when it is gone', async () => {
    const redis = await startRedis()
    const dsn = `redis://127.0.0.1:${redis.port}`
    await expect(dsn).toConnectToDatabase({ timeoutMs })
    await redis.stop()
    await mustFail(
      'services',
      'redis stopped mid-suite',
      'toConnectToDatabase (redis)',
      () => expect(dsn).toConnectToDatabase({ timeoutMs }),
      /ECONNREFUSED: connection refused by 127\.0\.0\.1:\d+/,
    )
  })
})
