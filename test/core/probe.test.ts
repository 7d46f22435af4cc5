import { describe, expect, test } from 'vitest'
import { checkDuration, closeGracefully, DeadlineError, describeNetworkError, errorCode, errorMessage, formatMs, latencyFailure, probeResult, startDeadline } from '../../src/core/probe.ts'

describe('startDeadline', () => {
  test('aborts its signal when the time is up, as a timeout', async () => {
    const deadline = startDeadline(30)
    await expect(deadline.aborted).rejects.toBeInstanceOf(DeadlineError)
    expect(deadline.signal.aborted).toBe(true)
    expect(deadline.timedOut()).toBe(true)
    expect(deadline.elapsed()).toBeGreaterThanOrEqual(25)
  })

  test('follows the caller signal, which is not a timeout', async () => {
    const caller = new AbortController()
    const deadline = startDeadline(10_000, caller.signal)
    caller.abort(new Error('run cancelled'))
    await expect(deadline.aborted).rejects.toThrow('run cancelled')
    expect(deadline.timedOut()).toBe(false)
    deadline.clear()
  })

  test('starts aborted when the caller signal already is', async () => {
    const deadline = startDeadline(10_000, AbortSignal.abort(new Error('already')))
    expect(deadline.signal.aborted).toBe(true)
    deadline.clear()
  })

  test('releases its timer on clear', async () => {
    const deadline = startDeadline(60_000)
    deadline.clear()
    expect(deadline.signal.aborted).toBe(false)
  })
})

describe('checkDuration', () => {
  test('accepts positive milliseconds and undefined', () => {
    expect(checkDuration('timeoutMs', 250)).toBe(250)
    expect(checkDuration('timeoutMs', undefined)).toBeUndefined()
  })

  test.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5000', 3e9])('rejects %j with the option name', (value) => {
    expect(() => checkDuration('timeoutMs', value)).toThrow(/^timeoutMs must be a positive number of milliseconds/)
  })
})

describe('describeNetworkError', () => {
  const error = (code: string, message = code) => Object.assign(new Error(message), { code })

  test('says what a refusal means and what to check', () => {
    expect(describeNetworkError(error('ECONNREFUSED'), '10.0.0.5:5432')).toEqual({
      code: 'ECONNREFUSED',
      message: 'connection refused by 10.0.0.5:5432',
      hint: 'nothing is listening there: is the service running, and are host and port right?',
    })
  })

  test('names the host without its port for DNS failures', () => {
    expect(describeNetworkError(error('ENOTFOUND'), 'db.internal:5432').message).toBe('the name db.internal does not resolve')
  })

  test('explains certificate failures', () => {
    const described = describeNetworkError(error('CERT_HAS_EXPIRED', 'certificate has expired'), 'api:443')
    expect(described.message).toBe('TLS to api:443 failed: certificate has expired')
    expect(described.hint).toMatch(/renew/)
  })

  test('keeps unknown codes and redacts their message', () => {
    expect(describeNetworkError(error('EWEIRD', 'failed for postgres://u:pw1234@h/d'), 'h:1')).toEqual({ code: 'EWEIRD', message: 'h:1: failed for postgres://u:***@h/d' })
  })

  test('finds codes in causes and aggregate errors', () => {
    expect(errorCode(new Error('outer', { cause: error('ECONNRESET') }))).toBe('ECONNRESET')
    expect(errorCode(new AggregateError([error('ECONNREFUSED'), error('ECONNREFUSED')]))).toBe('ECONNREFUSED')
  })
})

describe('formatMs and latencyFailure', () => {
  test('rounds by magnitude', () => {
    expect(formatMs(0.043)).toBe('0.04 ms')
    expect(formatMs(3.74)).toBe('3.7 ms')
    expect(formatMs(840.4)).toBe('840 ms')
  })

  test('reports a latency over budget only', () => {
    expect(latencyFailure(120, 100)).toEqual(['took 120 ms, over the latency budget of 100 ms'])
    expect(latencyFailure(80, 100)).toEqual([])
    expect(latencyFailure(80, undefined)).toEqual([])
  })
})

describe('probeResult', () => {
  const seen = { status: 200 }
  test('a failed exchange: its error as summary, no expectation judged', () => {
    const judged: string[] = []
    const result = probeResult({
      target: 'http://h/',
      latencyMs: 12,
      observed: seen,
      error: { code: 'ECONNREFUSED', message: 'connection refused by h:80' },
      failures: () => {
        judged.push('failures')
        return ['x']
      },
      summary: () => {
        judged.push('summary')
        return 'HTTP 200'
      },
    })
    expect(result).toEqual({ ok: false, target: 'http://h/', latencyMs: 12, summary: 'ECONNREFUSED: connection refused by h:80', observed: seen, failures: [], error: { code: 'ECONNREFUSED', message: 'connection refused by h:80' } })
    expect(judged).toEqual([])
  })

  test('a completed exchange: ok unless an expectation failed, and no error key', () => {
    const base = { target: 't', latencyMs: 3, observed: seen, error: undefined, summary: () => 'HTTP 200' }
    expect(probeResult({ ...base, failures: () => [] })).toEqual({ ok: true, target: 't', latencyMs: 3, summary: 'HTTP 200', observed: seen, failures: [] })
    const failed = probeResult({ ...base, failures: () => ['status 200, expected 204'] })
    expect(failed).toEqual({ ok: false, target: 't', latencyMs: 3, summary: 'HTTP 200', observed: seen, failures: ['status 200, expected 204'] })
    expect('error' in failed).toBe(false)
  })

  test.each(['ERR_OUT_OF_RANGE', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE', 'UND_ERR_INVALID_ARG'])('an argument Node or a driver refused (%s) is bad input: thrown, not a failed check', (code) => {
    const outcome = { target: 't', latencyMs: 3, observed: seen, error: { code, message: 'The value of "value" is out of range' }, failures: () => [], summary: () => '' }
    expect(() => probeResult(outcome)).toThrow(expect.objectContaining({ name: 'TargetError', message: 'the check cannot run with these options: The value of "value" is out of range' }))
  })
})

describe('closeGracefully', () => {
  test('destroys after the grace period when the peer never answers', async () => {
    let destroyed = false
    const started = performance.now()
    await closeGracefully(() => new Promise(() => {}), () => (destroyed = true), 50)
    expect(destroyed).toBe(true)
    expect(performance.now() - started).toBeLessThan(1000)
  })

  test('destroys after a polite close too, and swallows its errors', async () => {
    let destroyed = false
    await closeGracefully(() => Promise.reject(new Error('gone')), () => (destroyed = true))
    expect(destroyed).toBe(true)
  })
})

describe('errorMessage', () => {
  test('makes what a peer sent printable, and short', () => {
    expect(errorMessage(new Error('Invalid greeting. response=\u0000\u0007\u00ff\ufffd'))).toBe('Invalid greeting. response=\\x00\\x07ÿ?')
    expect(errorMessage(new Error('x'.repeat(500)))).toBe(`${'x'.repeat(300)}… (500 characters in all)`)
  })
})
