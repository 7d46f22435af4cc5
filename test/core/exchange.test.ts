import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { TargetError } from '../../src/core/errors.ts'
import { type ExchangeProtocol, type ExchangeSetup, ProbeFailure, runExchange } from '../../src/core/exchange.ts'
import { type Running, startSilent, startTcp } from '../support/servers.ts'

/** An exchange with a local server: connect, then wait for its first bytes. */
type Said = { said?: string }

function talk(
  port: number,
  overrides: Partial<ExchangeProtocol & Pick<ExchangeSetup<Said>, 'limits' | 'signal'>> = {},
): ReturnType<typeof runExchange<Said>> {
  const observed: Said = {}
  let socket: Socket | undefined
  const { limits = { timeoutMs: 300 }, signal, ...protocol } = overrides
  return runExchange(
    { where: `127.0.0.1:${port}`, limits, observed, signal },
    {
      exchange: async (step) => {
        socket = connect({ host: '127.0.0.1', port })
        await step.race(new Promise((resolve, reject) => socket?.once('connect', resolve).once('error', reject)))
        step.enter('firstByte', 'waiting for the greeting')
        observed.said = String(await step.race(new Promise((resolve) => socket?.once('data', resolve))))
      },
      close: () => socket?.destroy(),
      summary: () => `said ${observed.said}`,
      ...protocol,
    },
  )
}

describe('runExchange, the probe kernel', () => {
  let greeter: Running
  let silent: Running
  beforeAll(async () => {
    greeter = await startTcp((socket) => socket.write('hello'))
    silent = await startSilent()
  })
  afterAll(async () => {
    await greeter.close()
    await silent.close()
  })

  test('times the phases it went through, and judges the expectations', async () => {
    const result = await talk(greeter.port, { failures: () => ['wanted goodbye'] })
    expect(result).toMatchObject({ ok: false, summary: 'said hello', failures: ['wanted goodbye'], warnings: [] })
    expect(Object.keys(result.phases ?? {})).toEqual(['connect', 'firstByte'])
    const phases = Object.values(result.phases ?? {})
    expect(phases.reduce((sum, ms) => sum + ms, 0)).toBeLessThanOrEqual(result.latencyMs + 0.05)
  })

  test('names the phase a deadline hit, with a hint', async () => {
    const result = await talk(silent.port)
    expect(result.error).toMatchObject({
      code: 'ETIMEDOUT',
      message: `no answer from 127.0.0.1:${silent.port} within 300 ms while waiting for the greeting`,
      hint: expect.stringMatching(/did not answer/),
    })
  })

  test('a failure raised on purpose comes as it is; a driver error in the protocol’s words, else the network’s', async () => {
    const failure = { code: 'EPROTOCOL', message: 'not a greeting', hint: 'check the port' }
    expect((await talk(greeter.port, { exchange: async () => Promise.reject(new ProbeFailure(failure)) })).error).toEqual(failure)
    const refused = { code: 'ECONNREFUSED', message: 'x' }
    const driver = Object.assign(new Error('boom'), { code: 'ECONNREFUSED' })
    expect((await talk(greeter.port, { exchange: async () => Promise.reject(driver), describe: () => refused })).error).toEqual(refused)
    expect((await talk(greeter.port, { exchange: async () => Promise.reject(driver) })).error?.message).toBe(
      `connection refused by 127.0.0.1:${greeter.port}`,
    )
  })

  test('bad input found during the exchange is thrown, once the connection is closed', async () => {
    const closed: boolean[] = []
    const run = talk(greeter.port, {
      exchange: async () => {
        throw new TargetError('the DSN names an invalid host')
      },
      close: (failed) => closed.push(failed),
    })
    await expect(run).rejects.toThrow(TargetError)
    expect(closed).toEqual([true])
  })

  test('closes politely after success, hard after failure; settles server-side work only after an abort or a deadline', async () => {
    const calls: string[] = []
    const spec = {
      close: (failed: boolean) => calls.push(failed ? 'destroy' : 'quit'),
      settle: async (error: never) => {
        calls.push('settle')
        return error
      },
    }
    await talk(greeter.port, spec)
    await talk(silent.port, spec)
    expect(calls).toEqual(['quit', 'settle', 'destroy'])
  })

  test('a pass over the warning threshold stays ok, with a warning; over the budget it fails', async () => {
    const slow = (ms: number) => async () => new Promise<void>((resolve) => setTimeout(resolve, ms))
    const warned = await talk(greeter.port, { limits: { timeoutMs: 500, warnLatencyMs: 10 }, exchange: slow(30) })
    expect(warned).toMatchObject({ ok: true, warnings: [expect.stringMatching(/latency [\d.]+ ms over the 10 ms warning budget/)] })
    const failed = await talk(greeter.port, { limits: { timeoutMs: 500, maxLatencyMs: 10, warnLatencyMs: 5 }, exchange: slow(30) })
    expect(failed).toMatchObject({ ok: false, failures: [expect.stringMatching(/over the latency budget of 10 ms/)], warnings: [] })
  })

  test('the caller aborting ends the exchange at once, saying in which phase', async () => {
    const caller = new AbortController()
    setTimeout(() => caller.abort(new Error('run cancelled')), 50)
    const result = await talk(silent.port, { signal: caller.signal, limits: { timeoutMs: 5000 } })
    expect(result.error).toMatchObject({ code: 'EABORTED', message: expect.stringMatching(/run cancelled \(while waiting for the greeting\)$/) })
    expect(result.latencyMs).toBeLessThan(1000)
  })
})
