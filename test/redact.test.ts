import { describe, expect, test } from 'vitest'
import { isSecretName, redact, redactDeep, redactUnparsed, registerEnvSecrets, registerSecret, registerUrlSecrets } from '../src/redact.ts'

describe('redact', () => {
  test('masks the password of any URL-like DSN, keeping the user', () => {
    expect(redact('postgres://app:s3cret@db:5432/app')).toBe('postgres://app:***@db:5432/app')
    expect(redact('redis://:hunter2@cache:6379/0')).toBe('redis://:***@cache:6379/0')
    expect(redact('amqp://guest:guest@127.0.0.1:5672')).toBe('amqp://guest:***@127.0.0.1:5672')
  })

  test('masks a password that contains an unencoded @', () => {
    expect(redact('mysql://root:p@ss@db/app')).toBe('mysql://root:***@db/app')
  })

  test('leaves URLs without credentials alone', () => {
    expect(redact('https://api.example.com:8443/health?verbose=1')).toBe('https://api.example.com:8443/health?verbose=1')
    expect(redact('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080/')
  })

  test('masks secret-looking query parameters only', () => {
    expect(redact('https://x/y?token=abc&page=2&api_key=k3y&X-Amz-Signature=f00')).toBe('https://x/y?token=***&page=2&api_key=***&X-Amz-Signature=***')
    expect(redact('postgres://h/db?sslmode=verify-full&password=pw')).toBe('postgres://h/db?sslmode=verify-full&password=***')
  })

  test('masks Authorization headers and bearer tokens in free text', () => {
    expect(redact('Authorization: Basic dXNlcjpwYXNz')).toBe('Authorization: ***')
    expect(redact('{"authorization":"Bearer abc.def.ghi"}')).toBe('{"authorization":"***"}')
    expect(redact('sent Bearer eyJhbGciOi.payload.sig to upstream')).toBe('sent Bearer *** to upstream')
  })

  test('masks registered secrets wherever a driver echoes them, in raw and URL-encoded form', () => {
    registerSecret('p@ss w0rd!')
    expect(redact('login failed for password p@ss w0rd!')).toBe('login failed for password ***')
    expect(redact('uri=p%40ss%20w0rd!')).toBe('uri=***')
  })

  test('masks the longest secret first', () => {
    registerSecret('abcd')
    registerSecret('abcdefgh')
    expect(redact('x abcdefgh y')).toBe('x *** y')
  })

  test('does not register values too short to mask safely', () => {
    registerSecret('ab')
    expect(redact('tab cab')).toBe('tab cab')
  })

  test('registers secret-looking env variables and passwords inside URL-valued ones', () => {
    registerEnvSecrets({ DB_PASSWORD: 'envpass-1', STRIPE_API_KEY: 'sk_live_123', PORT: '8080', DATABASE_URL: 'postgres://u:urlpass-2@h/d' })
    expect(redact('envpass-1 sk_live_123 8080 urlpass-2')).toBe('*** *** 8080 ***')
  })

  test('registers credentials of targets', () => {
    registerUrlSecrets('https://bot:tok-from-url@git.example.com/?access_token=qs-secret-9')
    expect(redact('echo tok-from-url and qs-secret-9')).toBe('echo *** and ***')
  })

  test('masks a user name alone in web URLs (a token), not in DSNs', () => {
    expect(redact('https://ghp_abcdefghijklmnop1234@git.example.com/x')).toBe('https://***@git.example.com/x')
    expect(redact('postgres://app@db/app')).toBe('postgres://app@db/app')
  })

  test('masks Authorization whatever its scheme and shape', () => {
    expect(redact('Authorization: Digest username="u", response="6629fae49393a05397450978507c4ef1"')).toBe('Authorization: ***')
    expect(redact('{"authorization":["ApiKey abcdef123"]}')).toBe('{"authorization":["***"]}')
    expect(redact("{ authorization: 'Bearer abc.def' }")).toBe("{ authorization: '***' }")
    expect(redact('GET / HTTP/1.1\r\nauthorization: Basic dXNl\r\nhost: x')).toBe('GET / HTTP/1.1\r\nauthorization: ***\r\nhost: x')
  })

  test('masks the whole userinfo of a URL that does not parse', () => {
    expect(redactUnparsed('postgres://app:Gx7/kP9+qR2=@db.prod:5432/app')).toBe('postgres://***@db.prod:5432/app')
    expect(redactUnparsed('mysql://u:has space@h/d')).toBe('mysql://***@h/d')
    registerUrlSecrets('postgres://app:Slash/In-Pass@db/app')
    expect(redact('driver said Slash/In-Pass')).toBe('driver said ***')
  })

  test('recognizes secret names', () => {
    for (const name of ['PASSWORD', 'db_password', 'API_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'GOOGLE_APPLICATION_CREDENTIALS', 'authorization', 'x-api-key']) {
      expect(isSecretName(name), name).toBe(true)
    }
    for (const name of ['PORT', 'HOST', 'NODE_ENV', 'PWD', 'content-type']) expect(isSecretName(name), name).toBe(false)
  })

  test('redacts every string of a JSON-like value', () => {
    expect(redactDeep({ url: 'redis://:pw12@cache', n: 1, list: ['token=x'] })).toEqual({ url: 'redis://:***@cache', n: 1, list: ['token=x'] })
  })
})

describe('redact on large and hostile text', () => {
  test.each([
    ['a megabyte of one letter', 'x'.repeat(1024 * 1024)],
    ['a megabyte of scheme-like text', `${'a'.repeat(1024 * 1024)}://`],
    ['many separators without values', '?;'.repeat(256 * 1024)],
    ['many URLs without hosts', 'http://'.repeat(100_000)],
    ['userinfo without an end', `postgres://${'u'.repeat(300_000)}:${'p'.repeat(300_000)}`],
  ])('stays linear on %s', (_, text) => {
    const started = performance.now()
    redact(text)
    expect(performance.now() - started).toBeLessThan(500)
  })
})
