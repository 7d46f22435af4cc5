import { describe, expect, test } from 'vitest'
import { TargetError } from '../../src/core/errors.ts'
import { isHostname, parseHost, parseUrl, requireTarget } from '../../src/core/targets.ts'

describe('requireTarget', () => {
  test('says that an unset environment variable is the likely cause', () => {
    expect(() => requireTarget(undefined, 'a URL')).toThrow(
      /the target is undefined: expected a URL \(is the environment variable that holds it set\?\)/,
    )
    expect(() => requireTarget('  ', 'a URL')).toThrow(/empty string/)
  })

  test('rejects line breaks and control characters', () => {
    expect(() => requireTarget('http://a/\r\nX-Injected: 1', 'a URL')).toThrow(TargetError)
    expect(() => requireTarget('db\u0000', 'a URL')).toThrow(/control character/)
  })

  test('rejects non-strings with the type seen', () => {
    expect(() => requireTarget(42, 'a URL')).toThrow(/must be a string, a URL; got 42/)
    expect(() => requireTarget({}, 'a URL')).toThrow(/got a object/)
  })
})

describe('parseHost', () => {
  test('accepts DNS names and IP literals', () => {
    expect(parseHost('db.internal')).toBe('db.internal')
    expect(parseHost('localhost')).toBe('localhost')
    expect(parseHost('10.0.0.5')).toBe('10.0.0.5')
    expect(parseHost('[::1]')).toBe('::1')
    expect(parseHost('fe80::1')).toBe('fe80::1')
    expect(parseHost('_srv.example.com.')).toBe('_srv.example.com.')
  })

  test.each([
    '127.0.0.1; touch /tmp/pwned',
    '$(id)',
    '`id`',
    'host && reboot',
    '-c 1000 127.0.0.1',
    '-oProxyCommand=x',
    'a..b',
    '999.1.1.1',
    'x'.repeat(254),
    'host|cat',
  ])('rejects %j before anything runs', (input) => {
    expect(() => parseHost(input)).toThrow(TargetError)
  })

  test('explains what a valid host looks like', () => {
    expect(() => parseHost('$(id)')).toThrow(
      '"$(id)" is not a hostname or an IP address: use letters, digits, "-" and "." (e.g. "db.internal", "10.0.0.5", "::1")',
    )
  })
})

describe('isHostname', () => {
  test('rejects labels that start or end with a hyphen, and overlong labels', () => {
    expect(isHostname('-a.com')).toBe(false)
    expect(isHostname('a-.com')).toBe(false)
    expect(isHostname(`${'a'.repeat(64)}.com`)).toBe(false)
    expect(isHostname(`${'a'.repeat(63)}.com`)).toBe(true)
  })
})

describe('parseUrl', () => {
  const http = ['http:', 'https:'] as const

  test('parses a URL of an allowed scheme', () => {
    expect(parseUrl('https://api.example.com/health', http, 'an http(s) URL').host).toBe('api.example.com')
  })

  test('names the wrong scheme and the allowed ones, password masked', () => {
    expect(() => parseUrl('ftp://u:pw1234@files/x', http, 'an http(s) URL')).toThrow(
      '"ftp://u:***@files/x" has the scheme "ftp": expected an http(s) URL (http://, https://)',
    )
  })

  test('rejects ports out of range', () => {
    expect(() => parseUrl('http://h:0/', http, 'a URL')).toThrow(/port 0/)
    expect(() => parseUrl('http://h:99999/', http, 'a URL')).toThrow(/port 99999 is out of range \(1-65535\)/)
  })

  test('rejects text that is not a URL', () => {
    expect(() => parseUrl('not a url', http, 'an http(s) URL')).toThrow(TargetError)
    expect(() => parseUrl('http://', http, 'an http(s) URL')).toThrow(/not a valid URL/)
  })

  test('never shows a password, even when it breaks URL parsing or is cut', () => {
    const long = `postgress://analytics_reporting_readonly:${'Zq8vN3kLm5Tp7Rw2Xy4Bc6Df9Gh1Jk3Ln5Mp7Qr'}@db.internal:5432/analytics`
    for (const input of [long, 'postgres://app:Gx7/kP9+qR2=@db.prod:5432/app', 'mysql://u:has space@h/d', 'https://ghp_tok3n1234567@h/']) {
      const message = (() => {
        try {
          parseUrl(input, ['redis:'], 'a redis:// URL')
        } catch (e) {
          return String(e)
        }
        throw new Error(`${input} was accepted`)
      })()
      for (const secret of ['Zq8vN3kLm5', 'Gx7/kP9', 'has space', 'ghp_tok3n']) expect(message).not.toContain(secret)
    }
  })

  test('rejects hosts with shell metacharacters in non-special schemes', () => {
    expect(() => parseUrl('redis://$(id):6379', ['redis:'], 'a redis URL')).toThrow(/invalid host/)
  })
})
