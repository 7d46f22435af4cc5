import { describe, expect, test } from 'vitest'

const ENV = { DATABASE_URL: 'postgres://app:Env-Pass-2@db/app', PORT: '8080' }

describe('toHaveEnv', () => {
  test('passes, synchronously, on process.env or any object', () => {
    expect(process.env).toHaveEnv(['PATH'])
    expect(ENV).toHaveEnv({ PORT: /^\d+$/ })
  })

  test('fails naming the variables, never their values', () => {
    let message = ''
    try {
      expect(ENV).toHaveEnv({ DATABASE_URL: /^mysql:/, REDIS_URL: /./, PORT: (v) => Number(v) < 1024 })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toBe(
      [
        'toHaveEnv: environment',
        '  expected  DATABASE_URL, REDIS_URL, PORT set and valid',
        '  observed  1 missing, 2 invalid of 3',
        '  failed    missing or empty: REDIS_URL',
        '  failed    DATABASE_URL is set but does not match /^mysql:/ (value not shown)',
        '  failed    PORT is set but was rejected by its check (value not shown)',
      ].join('\n'),
    )
    expect(message).not.toContain('8080')
    expect(message).not.toContain('Env-Pass-2')
  })

  test('.not asserts that variables are absent', () => {
    expect(ENV).not.toHaveEnv(['DEBUG'])
  })
})
