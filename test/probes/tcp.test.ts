import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { TargetError } from '../../src/core/errors.ts'
import { probeTcp } from '../../src/probes/tcp.ts'
import { timed } from '../support/failure.ts'
import { watchHandles } from '../support/handles.ts'
import { createSilentHost, type SilentHost } from '../support/netns.ts'
import { freePort } from '../support/servers.ts'

describe('probeTcp', () => {
  test('connects over IPv4, IPv6 and a name, and closes', async () => {
    const handles = watchHandles()
    expect(await probeTcp('127.0.0.1:6379')).toMatchObject({
      ok: true,
      target: '127.0.0.1:6379',
      summary: 'connected to 127.0.0.1:6379',
      observed: { family: 'IPv4' },
    })
    expect(await probeTcp('[::1]:6379')).toMatchObject({
      ok: true,
      target: '[::1]:6379',
      summary: 'connected to [::1]:6379',
      observed: { address: '::1', family: 'IPv6' },
    })
    expect((await probeTcp('localhost:6379')).ok).toBe(true)
    expect((await probeTcp('tcp://127.0.0.1:5432')).ok).toBe(true)
    expect(await handles.leaked()).toEqual([])
  })

  test('reports a refused port', async () => {
    const port = await freePort()
    expect((await probeTcp(`127.0.0.1:${port}`)).error).toEqual({
      code: 'ECONNREFUSED',
      message: `connection refused by 127.0.0.1:${port}`,
      hint: 'nothing is listening there: is the service running, and are host and port right?',
    })
  })

  test('fails a connection over its latency budget', async () => {
    const result = await probeTcp('127.0.0.1:6379', { maxLatencyMs: 0.001 })
    expect(result.failures[0]).toMatch(/over the latency budget of 0.00 ms/)
  })

  test.each([
    ['127.0.0.1', /has no port/],
    ['db.internal:0', /has port 0/],
    ['db.internal:70000', /has port 70000/],
    ['$(id):22', /has an invalid host/],
    ['127.0.0.1; touch /tmp/pwned:22', /contains whitespace/],
    ['', /empty string/],
  ])('rejects %j', async (target, message) => {
    const error = await probeTcp(target).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TargetError)
    expect(String(error)).toMatch(message)
  })
})

describe('probeTcp against a host that never answers', () => {
  let silent: SilentHost
  beforeAll(() => {
    silent = createSilentHost()
  })
  afterAll(() => silent?.remove())

  test('fails within the deadline, and leaves no socket', async () => {
    const handles = watchHandles()
    const { value: result, ms } = await timed(() => probeTcp(`${silent.address}:5432`, { timeoutMs: 500 }))
    expect(ms).toBeLessThan(600)
    expect(result.error).toMatchObject({ code: 'ETIMEDOUT', message: `no connection to ${silent.address}:5432 within 500 ms` })
    expect(await handles.leaked()).toEqual([])
  })
})
