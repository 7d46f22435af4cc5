import { existsSync, rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { SetupError, TargetError } from '../../src/core/errors.ts'
import { parseOutput, pingSchedule, probePing } from '../../src/probes/ping.ts'
import { timed } from '../support/failure.ts'
import { watchHandles } from '../support/handles.ts'
import { createSilentHost, type SilentHost } from '../support/netns.ts'

describe('probePing against hosts that answer', () => {
  test('pings 127.0.0.1 and reports round trips and loss', async () => {
    const result = await probePing('127.0.0.1', { count: 2 })
    expect(result).toMatchObject({
      ok: true,
      target: '127.0.0.1',
      failures: [],
      observed: { host: '127.0.0.1', address: '127.0.0.1', sent: 2, received: 2, packetLossPercent: 0 },
    })
    expect(result.observed.times).toHaveLength(2)
    expect(result.latencyMs).toBe(result.observed.avgMs)
    expect(result.summary).toMatch(/^2\/2 replies from 127\.0\.0\.1, avg [\d.]+ ms$/)
  })

  test('resolves a name first and pings its address; IPv6 literals work', async () => {
    expect((await probePing('localhost', { count: 1 })).observed.address).toMatch(/^(127\.0\.0\.1|::1)$/)
    expect((await probePing('::1', { count: 1 })).ok).toBe(true)
  })

  test('fails when the average round trip is over maxLatencyMs', async () => {
    const result = await probePing('127.0.0.1', { count: 1, maxLatencyMs: 0.0001 })
    expect(result.ok).toBe(false)
    expect(result.failures[0]).toMatch(/^average round trip took [\d.]+ ms, over the latency budget of 0.00 ms$/)
  })
})

describe('probePing against hosts that do not answer', () => {
  let silent: SilentHost
  beforeAll(() => {
    silent = createSilentHost()
  })
  afterAll(() => silent?.remove())

  test('fails with no reply within the deadline, saying what to check', async () => {
    const { value: result, ms } = await timed(() => probePing(silent.address, { count: 2, timeoutMs: 1500 }))
    expect(ms).toBeLessThan(1500 * 1.2)
    expect(result.ok).toBe(false)
    expect(result.error?.code).toMatch(/ENOREPLY|EHOSTUNREACH|ETIMEDOUT/)
    expect(result.error?.hint).toBeTruthy()
    expect(result.observed.received).toBe(0)
  })

  test('holds a sub-second deadline, and the ping process has ended when it returns', async () => {
    const handles = watchHandles()
    const { value: result, ms } = await timed(() => probePing(silent.address, { timeoutMs: 400 }))
    expect(ms).toBeLessThan(400 * 1.2)
    expect(result.ok).toBe(false)
    expect(result.error?.message).toMatch(new RegExp(`^(no reply from ${silent.address.replaceAll('.', '\\.')}|no answer from)`))
    expect(await handles.leaked(50)).toEqual([])
  })

  test('kills the ping process when the caller aborts', async () => {
    const handles = watchHandles()
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('run cancelled')), 200)
    const { value: result, ms } = await timed(() => probePing(silent.address, { count: 3, timeoutMs: 5000 }, controller.signal))
    expect(ms).toBeLessThan(1000)
    expect(result.error).toMatchObject({ code: 'EABORTED', message: expect.stringMatching(/run cancelled \(while waiting for echo replies\)$/) })
    expect(await handles.leaked()).toEqual([])
  })

  test('leaves LANG of the process alone', async () => {
    const before = process.env.LANG
    await probePing('127.0.0.1', { count: 1 })
    expect(process.env.LANG).toBe(before)
  })

  test('reports a name that does not resolve, without spawning ping', async () => {
    const result = await probePing('no-such-host.invalid')
    expect(result.error?.code).toMatch(/ENOTFOUND|EAI_AGAIN/)
    expect(result.error?.message).toBe('the name no-such-host.invalid does not resolve')
  })
})

describe('probePing input', () => {
  const marker = '/tmp/pwned'
  beforeAll(() => rmSync(marker, { force: true }))

  test.each([
    '127.0.0.1; touch /tmp/pwned',
    '$(touch /tmp/pwned)',
    '`touch /tmp/pwned`',
    '127.0.0.1 && touch /tmp/pwned',
    '-c 1 127.0.0.1',
    '127.0.0.1\ntouch /tmp/pwned',
  ])('rejects %j and spawns nothing', async (host) => {
    await expect(probePing(host)).rejects.toThrow(TargetError)
    expect(existsSync(marker)).toBe(false)
  })

  test('rejects undefined with a hint about unset variables', async () => {
    await expect(probePing(undefined as unknown as string)).rejects.toThrow(
      /the target is undefined: expected a hostname or an IP address \(is the environment variable/,
    )
  })

  test('rejects a bad count', async () => {
    await expect(probePing('127.0.0.1', { count: 0 })).rejects.toThrow('count must be a whole number from 1 to 100, got 0')
  })

  test('says how to install ping when the binary is missing', async () => {
    const path = process.env.PATH
    process.env.PATH = '/nonexistent'
    try {
      const error = await probePing('127.0.0.1').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(SetupError)
      expect((error as Error).message).toBe('the ping binary is not installed (Debian: apt-get install iputils-ping)')
    } finally {
      process.env.PATH = path
    }
  })

  test('leaves no process, socket or timer behind', async () => {
    const handles = watchHandles()
    await probePing('127.0.0.1', { count: 1 })
    expect(await handles.leaked()).toEqual([])
  })
})

describe('pingSchedule', () => {
  test('sends at most every 0.2 s and waits for replies until just before the deadline', () => {
    expect(pingSchedule(3, 5000)).toEqual({ intervalSeconds: 0.2, waitSeconds: 4.55 })
    expect(pingSchedule(1, 400)).toEqual({ intervalSeconds: 0.2, waitSeconds: 0.35 })
  })

  test('packs many requests into a short deadline', () => {
    const { intervalSeconds, waitSeconds } = pingSchedule(10, 1000)
    expect(intervalSeconds).toBe(0.09)
    expect(9 * intervalSeconds + waitSeconds).toBeLessThanOrEqual(0.95)
  })
})

describe('parseOutput', () => {
  test('reads iputils summaries', () => {
    const output = [
      'PING 10.0.0.5 (10.0.0.5) 56(84) bytes of data.',
      '64 bytes from 10.0.0.5: icmp_seq=1 ttl=64 time=0.412 ms',
      '64 bytes from 10.0.0.5: icmp_seq=3 ttl=64 time=0.388 ms',
      '',
      '--- 10.0.0.5 ping statistics ---',
      '3 packets transmitted, 2 received, 33.3333% packet loss, time 404ms',
      'rtt min/avg/max/mdev = 0.388/0.400/0.412/0.012 ms',
    ].join('\n')
    expect(parseOutput(output)).toEqual({
      sent: 3,
      received: 2,
      packetLossPercent: 33.3,
      times: [0.412, 0.388],
      minMs: 0.388,
      avgMs: 0.4,
      maxMs: 0.412,
    })
  })

  test('reads a run with no reply', () => {
    expect(parseOutput('4 packets transmitted, 0 received, 100% packet loss, time 3000ms')).toMatchObject({
      sent: 4,
      received: 0,
      packetLossPercent: 100,
      times: [],
    })
  })
})
