import { describe, expect, test } from 'vitest'
import { matchPartial, matches } from '../../src/core/match.ts'

describe('matchPartial', () => {
  test('passes when every expected key matches, ignoring extra keys', () => {
    expect(matchPartial({ status: 'ok', version: '2.1', extra: true }, { status: 'ok' })).toEqual([])
  })

  test('reports each mismatch with its JSON path', () => {
    expect(matchPartial({ status: 'down', checks: { db: 'up', cache: 'down' } }, { status: 'ok', checks: { cache: 'up' } })).toEqual([
      '$.status is "down", expected "ok"',
      '$.checks.cache is "down", expected "up"',
    ])
  })

  test('reports missing keys and wrong types', () => {
    expect(matchPartial({}, { db: 'up' })).toEqual(['$.db is missing, expected "up"'])
    expect(matchPartial('x', { db: 'up' })).toEqual(['$ is "x", expected an object'])
    expect(matchPartial({ n: '1' }, { n: 1 })).toEqual(['$.n is "1", expected 1'])
  })

  test('matches strings against RegExp values', () => {
    expect(matchPartial({ version: '2.14.0' }, { version: /^2\./ })).toEqual([])
    expect(matchPartial({ version: '3.0.0' }, { version: /^2\./ })).toEqual(['$.version is "3.0.0", expected a string matching /^2\\./'])
  })

  test('compares arrays by length, then element by element', () => {
    expect(matchPartial([{ id: 1, x: 0 }, { id: 2 }], [{ id: 1 }, { id: 2 }])).toEqual([])
    expect(matchPartial([1, 2, 3], [1, 2])).toEqual(['$ has 3 items, expected 2'])
    expect(matchPartial({ a: [1, 5] }, { a: [1, 2] })).toEqual(['$.a[1] is 5, expected 2'])
  })

  test('quotes keys that are not identifiers', () => {
    expect(matchPartial({ 'x-y': 1 }, { 'x-y': 2 })).toEqual(['$["x-y"] is 1, expected 2'])
  })
})

describe('matches', () => {
  test('is not fooled by the lastIndex of a global RegExp', () => {
    const pattern = /ok/g
    expect(matches(pattern, 'ok')).toBe(true)
    expect(matches(pattern, 'ok')).toBe(true)
  })

  test('shows a value in at most 60 characters, at a cost bounded by that, whatever its size', () => {
    const big = Array.from({ length: 1_000_000 }, (_, i) => ({ i }))
    const expected = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 'x']))
    const actual = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, big]))
    const started = performance.now()
    const failures = matchPartial(actual, expected)
    expect(performance.now() - started).toBeLessThan(100)
    expect(failures).toHaveLength(200)
    expect(failures[0]).toBe(`$.k0 is ${JSON.stringify(big).slice(0, 60)}…, expected "x"`)
  })
})
