import { describe, expect, test } from 'vitest'
import { latencyFailure, probeResult } from '../../src/core/result.ts'
import { formatMs } from '../../src/core/text.ts'

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
    expect(result).toEqual({
      ok: false,
      target: 'http://h/',
      latencyMs: 12,
      summary: 'ECONNREFUSED: connection refused by h:80',
      observed: seen,
      failures: [],
      warnings: [],
      error: { code: 'ECONNREFUSED', message: 'connection refused by h:80' },
    })
    expect(judged).toEqual([])
  })

  test('a completed exchange: ok unless an expectation failed, and no error key', () => {
    const base = { target: 't', latencyMs: 3, observed: seen, error: undefined, summary: () => 'HTTP 200' }
    expect(probeResult({ ...base, failures: () => [] })).toEqual({
      ok: true,
      target: 't',
      latencyMs: 3,
      summary: 'HTTP 200',
      observed: seen,
      failures: [],
      warnings: [],
    })
    const failed = probeResult({ ...base, failures: () => ['status 200, expected 204'] })
    expect(failed).toEqual({
      ok: false,
      target: 't',
      latencyMs: 3,
      summary: 'HTTP 200',
      observed: seen,
      failures: ['status 200, expected 204'],
      warnings: [],
    })
    expect('error' in failed).toBe(false)
  })

  test('soft thresholds: judged only when every expectation held; the check stays ok', () => {
    const base = {
      target: 't',
      latencyMs: 3,
      observed: seen,
      error: undefined,
      summary: () => 'HTTP 200',
      warnings: () => ['took 3 ms, over the warning threshold of 2 ms'],
    }
    expect(probeResult({ ...base, failures: () => [] })).toMatchObject({ ok: true, warnings: ['took 3 ms, over the warning threshold of 2 ms'] })
    expect(probeResult({ ...base, failures: () => ['status 500'] })).toMatchObject({ ok: false, warnings: [] })
  })

  test.each(['ERR_OUT_OF_RANGE', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE', 'UND_ERR_INVALID_ARG'])(
    'an argument Node or a driver refused (%s) is bad input: thrown, not a failed check',
    (code) => {
      const outcome = {
        target: 't',
        latencyMs: 3,
        observed: seen,
        error: { code, message: 'The value of "value" is out of range' },
        failures: () => [],
        summary: () => '',
      }
      expect(() => probeResult(outcome)).toThrow(
        expect.objectContaining({ name: 'TargetError', message: 'the check cannot run with these options: The value of "value" is out of range' }),
      )
    },
  )
})
