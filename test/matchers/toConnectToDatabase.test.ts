import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { failureOf } from '../support/failure.ts'
import { type PrivateRedis, startRedis } from '../support/redis.ts'
import { freePort, type Running, startSilent } from '../support/servers.ts'

describe('toConnectToDatabase', () => {
  let silent: Running
  let secured: PrivateRedis
  beforeAll(async () => {
    silent = await startSilent()
    secured = await startRedis(['--requirepass', 'Redis-Pass-31'])
  })
  afterAll(async () => {
    await silent.close()
    await secured.stop()
  })

  test.each(['postgres://postgres@127.0.0.1:5432/test', 'mysql://root@127.0.0.1:3306/test', 'redis://127.0.0.1:6379'])(
    'passes for %s',
    async (dsn) => {
      await expect(dsn).toConnectToDatabase({ query: dsn.startsWith('redis') ? 'PING' : 'select 1' })
    },
  )

  test('fails a missing database with the server words and a fix', async () => {
    const message = await failureOf(expect('postgres://app:Pg-Pass-12@127.0.0.1:5432/nope').toConnectToDatabase({ query: 'select 1' }))
    expect(message).toMatch(
      /^toConnectToDatabase: postgres:\/\/app:\*\*\*@127\.0\.0\.1:5432\/nope\n {2}expected {2}a connection accepted, then "select 1" to succeed\n {2}observed {2}(3D000|28000): PostgreSQL at 127\.0\.0\.1:5432 answered: .*\(after [\d.]+ ms\)\n {2}fix {7}/,
    )
    expect(message).not.toContain('Pg-Pass-12')
  })

  test('fails a wrong Redis password without showing it', async () => {
    const message = await failureOf(expect(`redis://:Wrong-Redis-42@127.0.0.1:${secured.port}`).toConnectToDatabase())
    expect(message).toContain(`toConnectToDatabase: redis://:***@127.0.0.1:${secured.port}`)
    expect(message).toMatch(/fix {7}authentication failed/)
    expect(message).not.toContain('Wrong-Redis-42')
  })

  test('fails a server that never answers, at the deadline', async () => {
    const started = performance.now()
    const message = await failureOf(expect(`postgres://u@127.0.0.1:${silent.port}/x`).toConnectToDatabase({ timeoutMs: 300 }))
    expect(performance.now() - started).toBeLessThan(360)
    expect(message).toContain(`observed  ETIMEDOUT: no answer from 127.0.0.1:${silent.port} within 300 ms while connecting`)
  })

  test('shows the first rows of a query in the message under .not', async () => {
    const message = await failureOf(expect('postgres://postgres@127.0.0.1:5432/test').not.toConnectToDatabase({ query: "select 'up' as state" }))
    expect(message).toContain('rows      [{"state":"up"}]')
  })

  test('.not passes when nothing listens', async () => {
    await expect(`redis://127.0.0.1:${await freePort()}`).not.toConnectToDatabase()
  })

  test('lists the supported schemes for an unknown one', async () => {
    await expect(expect('mongodb://db/app').toConnectToDatabase()).rejects.toThrow(
      'toConnectToDatabase: "mongodb://db/app" is not a supported DSN: use one of postgres://, postgresql://, mysql://, mariadb://, redis://, rediss://',
    )
  })

  test('says when the DSN variable is unset', async () => {
    await expect(expect(process.env.PRODCHECK_UNSET_DSN).toConnectToDatabase()).rejects.toThrow(
      /the target is undefined: .*is the environment variable that holds it set\?/,
    )
  })
})
