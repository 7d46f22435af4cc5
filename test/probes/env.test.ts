import { describe, expect, test } from 'vitest'
import { TargetError } from '../../src/core/errors.ts'
import { probeEnv } from '../../src/probes/env.ts'

const ENV = { DATABASE_URL: 'postgres://app:Env-Secret-1@db/app', PORT: '8080', NODE_ENV: 'staging', EMPTY: '' }

describe('probeEnv', () => {
  test('passes when every name is present and non-empty', () => {
    expect(probeEnv(ENV, ['DATABASE_URL', 'PORT'])).toMatchObject({
      ok: true,
      summary: '2 variables present and valid',
      observed: { missing: [], invalid: [] },
    })
  })

  test('lists missing and empty names', () => {
    const result = probeEnv(ENV, ['DATABASE_URL', 'REDIS_URL', 'EMPTY'])
    expect(result.ok).toBe(false)
    expect(result.failures).toEqual(['missing or empty: REDIS_URL, EMPTY'])
  })

  test('checks values against patterns and predicates, reporting names only', () => {
    const result = probeEnv(ENV, {
      PORT: /^\d+$/,
      NODE_ENV: (value) => value === 'production',
      DATABASE_URL: /^mysql:/,
      THROWS: () => {
        throw new Error('boom')
      },
    })
    expect(result.observed).toEqual({
      checked: ['PORT', 'NODE_ENV', 'DATABASE_URL', 'THROWS'],
      missing: ['THROWS'],
      invalid: ['NODE_ENV', 'DATABASE_URL'],
    })
    expect(result.failures).toEqual([
      'missing or empty: THROWS',
      'NODE_ENV is set but was rejected by its check (value not shown)',
      'DATABASE_URL is set but does not match /^mysql:/ (value not shown)',
    ])
    for (const value of ['Env-Secret-1', 'staging', '8080']) expect(JSON.stringify(result)).not.toContain(value)
  })

  test('treats a predicate that throws as a failed check', () => {
    expect(
      probeEnv(
        { A: 'x' },
        {
          A: () => {
            throw new Error('x')
          },
        },
      ).observed.invalid,
    ).toEqual(['A'])
  })

  test.each([
    [null, ['A'], /the target must be process.env or an object/],
    [ENV, [], /with at least one name/],
    [ENV, ['not a name'], /is not a variable name/],
    [ENV, { A: 'x' }, /the check of A must be a RegExp or a function/],
  ])('rejects bad input', (env, spec, message) => {
    expect(() => probeEnv(env, spec as never)).toThrow(TargetError)
    expect(() => probeEnv(env, spec as never)).toThrow(message)
  })
})
