import { describe, expect, test } from 'vitest'
import { type CheckResult, safeMessage, withKeys } from '../../src/node/results.ts'
import { MAX_LINES } from '../../src/core/text.ts'
import { aResult } from '../support/results.ts'

const result = (name: string, file: string): Omit<CheckResult, 'key'> => {
  const { key: _, ...rest } = aResult({ name, file, id: `${file}#${name}` })
  return rest
}

describe('withKeys', () => {
  test('a name alone when unique, with its file when not, then numbered', () => {
    const keys = withKeys([result('api', 'a'), result('db', 'a'), result('db', 'b'), result('x', 'a'), result('x', 'a')]).map((r) => r.key)
    expect(keys).toEqual(['api', 'db (a)', 'db (b)', 'x (a) #1', 'x (a) #2'])
  })
  test('a key made for one check is never the name of another', () => {
    const keys = withKeys([
      result('db', 'f'),
      result('db', 'f'),
      result('db (f) #1', 'f'),
      result('x', 'a'),
      result('x', 'b'),
      result('x (a)', 'c'),
    ]).map((r) => r.key)
    expect(new Set(keys).size).toBe(keys.length)
    expect(keys).toEqual(['db (f) #2', 'db (f) #3', 'db (f) #1', 'x (a) #1', 'x (b)', 'x (a)'])
  })
})

describe('safeMessage', () => {
  test('at most MAX_LINES lines, each printable', () => {
    const message = safeMessage(Array.from({ length: 200 }, (_, i) => `line ${i}\u001b[31m`).join('\n'))
    expect(message.split('\n')).toHaveLength(MAX_LINES)
    expect(message).not.toMatch(/\u001b/)
  })
})
