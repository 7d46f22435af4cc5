import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { TargetError } from '../../src/core/errors.ts'
import { parseCommand, probeRedis } from '../../src/probes/redis.ts'
import { timed } from '../support/failure.ts'
import { watchHandles } from '../support/handles.ts'
import { type PrivateRedis, startRedis } from '../support/redis.ts'
import { freePort, type Running, startGarbage, startSilent } from '../support/servers.ts'

const REDIS = 'redis://127.0.0.1:6379'
const PASSWORD = 'Right-Pass-42'
const servers: Running[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

describe('probeRedis against the local Redis', () => {
  test('sends PING by default and closes', async () => {
    const handles = watchHandles()
    const result = await probeRedis(REDIS)
    expect(result).toMatchObject({ ok: true, target: REDIS, summary: 'Redis answered PING: PONG', observed: { engine: 'redis', reply: 'PONG' } })
    expect(await handles.leaked()).toEqual([])
  })

  test('runs a command with arguments and reads the server version from INFO', async () => {
    const result = await probeRedis(REDIS, { query: 'INFO server' })
    expect(result.ok).toBe(true)
    expect(result.observed.serverVersion).toMatch(/^\d+\.\d+\.\d+$/)
    expect((await probeRedis(REDIS, { query: 'ECHO "hello world"' })).observed.reply).toBe('hello world')
  })

  test('fails on a database index the server does not have', async () => {
    const result = await probeRedis(`${REDIS}/999`)
    expect(result.ok).toBe(false)
    expect(result.error?.message).toMatch(/DB index is out of range/)
    expect(result.error?.hint).toMatch(/database number/)
  })

  test('reports an unknown command', async () => {
    const result = await probeRedis(REDIS, { query: 'NOSUCHCOMMAND x' })
    expect(result.error?.message).toMatch(/unknown command/)
    expect(result.error?.hint).toMatch(/not a command this server knows/)
  })
})

describe('probeRedis with a password', () => {
  let secured: PrivateRedis
  beforeAll(async () => {
    secured = await startRedis(['--requirepass', PASSWORD])
  })
  afterAll(() => secured?.stop())

  test('authenticates with the password of the DSN', async () => {
    expect((await probeRedis(`redis://:${PASSWORD}@127.0.0.1:${secured.port}`)).ok).toBe(true)
  })

  test('fails on a wrong password, saying so, never showing it', async () => {
    const result = await probeRedis(`redis://:Wrong-Pass-99@127.0.0.1:${secured.port}`)
    expect(result.ok).toBe(false)
    expect(result.error?.code).toMatch(/WRONGPASS|ERR/)
    expect(result.error?.hint).toMatch(/authentication failed/)
    expect(JSON.stringify(result)).not.toContain('Wrong-Pass-99')
  })

  test('fails without a password, saying authentication is required', async () => {
    const result = await probeRedis(`redis://127.0.0.1:${secured.port}`)
    expect(result.error?.code).toBe('NOAUTH')
    expect(result.error?.hint).toMatch(/authentication failed/)
  })

  test('reports a server stopped after the first check', async () => {
    const doomed = await startRedis()
    expect((await probeRedis(`redis://127.0.0.1:${doomed.port}`)).ok).toBe(true)
    await doomed.stop()
    expect((await probeRedis(`redis://127.0.0.1:${doomed.port}`)).error?.code).toBe('ECONNREFUSED')
  })
})

describe('probeRedis against misbehaving peers', () => {
  test('refused', async () => {
    const port = await freePort()
    expect((await probeRedis(`redis://127.0.0.1:${port}`)).error).toEqual({
      code: 'ECONNREFUSED',
      message: `connection refused by 127.0.0.1:${port}`,
      hint: 'nothing is listening there: is the service running, and are host and port right?',
    })
  })

  test('accepts and never answers: fails within the deadline, and the socket is closed', async () => {
    const silent = await startSilent()
    servers.push(silent)
    const handles = watchHandles()
    const { value: result, ms } = await timed(() => probeRedis(`redis://127.0.0.1:${silent.port}`, { timeoutMs: 500 }))
    expect(ms).toBeLessThan(600)
    expect(await handles.leaked()).toEqual([])
    expect(result.error).toMatchObject({ code: 'ETIMEDOUT', message: `no answer from 127.0.0.1:${silent.port} within 500 ms while connecting` })
  })

  test('speaks garbage: fails, does not hang', async () => {
    const garbage = await startGarbage('+OK\r\n:not-a-number\r\n$-7\r\n')
    servers.push(garbage)
    const { value: result, ms } = await timed(() => probeRedis(`redis://127.0.0.1:${garbage.port}`, { timeoutMs: 1000 }))
    expect(ms).toBeLessThan(1200)
    expect(result.ok).toBe(false)
  })

  test('speaks another protocol: says so', async () => {
    const garbage = await startGarbage('HTTP/1.1 400 Bad Request\r\n\r\n')
    servers.push(garbage)
    const result = await probeRedis(`redis://127.0.0.1:${garbage.port}`, { timeoutMs: 1000 })
    expect(result.error).toMatchObject({ code: 'EPROTOCOL', message: expect.stringMatching(/does not speak the Redis protocol/) })
  })
})

describe('probeRedis and the DSN', () => {
  test.each(['redis://127.0.0.1:6379/sessions', 'redis://127.0.0.1:6379/1.5'])('rejects %s: the path is a database number', async (dsn) => {
    await expect(probeRedis(dsn)).rejects.toThrow(/the path must be a database number such as \/0/)
  })

  test('rejects a malformed %-escape in the password, without showing it', async () => {
    const error = await probeRedis('redis://:p%zzSecret1@127.0.0.1:6379').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TargetError)
    expect(String(error)).not.toContain('Secret1')
  })
})

describe('parseCommand', () => {
  test('splits on whitespace and keeps quoted arguments whole', () => {
    expect(parseCommand('INFO server')).toEqual(['INFO', 'server'])
    expect(parseCommand(`SET k "a \\"quoted\\" value"`)).toEqual(['SET', 'k', 'a "quoted" value'])
    expect(parseCommand("ECHO 'single quoted'")).toEqual(['ECHO', 'single quoted'])
  })

  test('rejects empty and non-command input', () => {
    expect(() => parseCommand('')).toThrow(TargetError)
    expect(() => parseCommand('123 abc')).toThrow(/must start with a Redis command name/)
    expect(() => parseCommand(42)).toThrow(/query must be a Redis command/)
  })
})
