// Hostile and broken input: shell metacharacters, line breaks, absurd ports, empty and
// unset values. Every matcher rejects them with a clear error, under .not too, before
// anything is spawned or sent.
import { existsSync, rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type Running, startTcp } from '../support/servers.ts'
import { record, writeRows } from './record.ts'

const PWNED = '/tmp/pwned'
let canary: Running

beforeAll(async () => {
  rmSync(PWNED, { force: true })
  canary = await startTcp(() => {})
})
afterAll(async () => {
  await canary?.close()
  writeRows(import.meta.filename)
})

type Matcher =
  | 'toRespondHttp'
  | 'toBePingable'
  | 'toConnectToDatabase'
  | 'toAcceptTcp'
  | 'toResolveDns'
  | 'toHaveValidCertificate'
  | 'toAcceptMail'
  | 'toConnectToBroker'
  | 'toBeServingGrpc'
  | 'toAcceptWebSocket'
const MATCHERS: Matcher[] = [
  'toRespondHttp',
  'toBePingable',
  'toConnectToDatabase',
  'toAcceptTcp',
  'toResolveDns',
  'toHaveValidCertificate',
  'toAcceptMail',
  'toConnectToBroker',
  'toBeServingGrpc',
  'toAcceptWebSocket',
]

const INPUTS: Array<[string, unknown]> = [
  ['a shell command after ;', '127.0.0.1; touch /tmp/pwned'],
  ['a command substitution', '$(touch /tmp/pwned)'],
  ['backticks', '`touch /tmp/pwned`'],
  ['a pipe', '127.0.0.1|touch /tmp/pwned'],
  ['a leading option', '-oProxyCommand=touch /tmp/pwned'],
  ['a line break', '127.0.0.1\ntouch /tmp/pwned'],
  ['an empty string', ''],
  ['blanks only', '   '],
  ['undefined (an unset variable)', undefined],
  ['null', null],
  ['a number', 5432],
  ['an object', { host: 'db' }],
]

function call(matcher: Matcher, target: unknown, not = false): Promise<unknown> {
  const assertion = not ? expect(target).not : expect(target)
  return (assertion[matcher] as (options?: object) => Promise<unknown>)({ timeoutMs: 1000 })
}

describe.each(MATCHERS)('%s', (matcher) => {
  test.each(INPUTS)('rejects %s, with or without .not', async (name, target) => {
    const started = performance.now()
    for (const not of [false, true]) {
      const error = await call(matcher, target, not).then(
        () => undefined,
        (e: unknown) => e as Error,
      )
      expect(error, `${matcher}(${JSON.stringify(target)}) passed`).toBeInstanceOf(Error)
      expect(error?.name).toBe('TargetError')
      expect(error?.message).toMatch(new RegExp(`^${matcher}: `))
      expect(error?.message.split('\n')).toHaveLength(1)
    }
    expect(existsSync(PWNED)).toBe(false)
    record({
      category: 'input',
      case: name,
      check: matcher,
      outcome: 'TargetError, nothing spawned or sent',
      ms: performance.now() - started,
      limitMs: 0,
    })
  })
})

describe('line breaks and absurd values aimed at a listening port', () => {
  test.each([
    ['CRLF in the URL path', () => expect(`http://127.0.0.1:${canary.port}/health\r\nX-Injected: 1`).toRespondHttp()],
    ['CRLF in a header value', () => expect(`http://127.0.0.1:${canary.port}/`).toRespondHttp({ headers: { 'x-trace': 'a\r\nX-Injected: 1' } })],
    ['a NUL in a header value', () => expect(`http://127.0.0.1:${canary.port}/`).toRespondHttp({ headers: { 'x-trace': 'a\u0000b' } })],
    ['CRLF in a DSN', () => expect(`redis://127.0.0.1:${canary.port}\r\nFLUSHALL`).toConnectToDatabase()],
    ['a Redis command with a line break', () => expect(`redis://127.0.0.1:${canary.port}`).toConnectToDatabase({ query: 'PING\r\nFLUSHALL' })],
    ['port 0', () => expect('http://127.0.0.1:0/').toRespondHttp()],
    ['port 65536', () => expect('127.0.0.1:65536').toAcceptTcp()],
    ['port 99999999', () => expect('postgres://u@127.0.0.1:99999999/db').toConnectToDatabase()],
    ['a negative port', () => expect('127.0.0.1:-1').toAcceptTcp()],
    ['a method with a space', () => expect(`http://127.0.0.1:${canary.port}/`).toRespondHttp({ method: 'GET / HTTP/1.1' })],
    [
      'CRLF in a WebSocket header value',
      () => expect(`ws://127.0.0.1:${canary.port}/`).toAcceptWebSocket({ headers: { 'x-a': 'a\r\nX-Injected: 1' } }),
    ],
    ['a gRPC service name with a line break', () => expect(`127.0.0.1:${canary.port}`).toBeServingGrpc({ service: 'a\r\nb' })],
    ['a WebSocket subprotocol with a comma', () => expect(`ws://127.0.0.1:${canary.port}/`).toAcceptWebSocket({ protocols: ['a,b'] })],
  ])('%s: rejected, nothing sent', async (name, run) => {
    const before = canary.connections
    const started = performance.now()
    await expect(run()).rejects.toMatchObject({ name: 'TargetError' })
    expect(canary.connections).toBe(before)
    record({ category: 'input', case: name, check: 'various', outcome: 'TargetError, nothing sent', ms: performance.now() - started, limitMs: 0 })
  })
})

test('nothing ever created /tmp/pwned', () => {
  expect(existsSync(PWNED)).toBe(false)
})

describe('input that a driver or undici would only refuse later, or send as it is: an error before anything is sent', () => {
  const at = (path = '/'): string => `http://127.0.0.1:${canary.port}${path}`
  const cases: Array<[string, (not: boolean) => Promise<unknown>]> = [
    ...['transfer-encoding', 'connection', 'expect', 'keep-alive', 'upgrade', 'te', 'trailer', 'content-length', 'proxy-connection'].map(
      (header): [string, (not: boolean) => Promise<unknown>] => [
        `the header ${header}`,
        (not) => (not ? expect(at()).not : expect(at())).toRespondHttp({ headers: { [header]: header === 'expect' ? '100-continue' : 'chunked' } }),
      ],
    ),
    ['a header value beyond Latin-1 (€)', (not) => (not ? expect(at()).not : expect(at())).toRespondHttp({ headers: { 'x-price': '5 €' } })],
    ['a header value holding U+2028', (not) => (not ? expect(at()).not : expect(at())).toRespondHttp({ headers: { 'x-note': 'a\u2028b' } })],
    ['a header value holding DEL', (not) => (not ? expect(at()).not : expect(at())).toRespondHttp({ headers: { 'x-note': 'a\u007fb' } })],
    [
      'a header value holding a C1 control (U+0085)',
      (not) => (not ? expect(at()).not : expect(at())).toRespondHttp({ headers: { 'x-note': 'a\u0085b' } }),
    ],
    ['an option name with a typo (statuss)', (not) => (not ? expect(at()).not : expect(at())).toRespondHttp({ statuss: 503 } as never)],
    [
      'an unknown option of a database check',
      (not) =>
        (not
          ? expect(`postgres://app@127.0.0.1:${canary.port}/test`).not
          : expect(`postgres://app@127.0.0.1:${canary.port}/test`)
        ).toConnectToDatabase({ querry: 'select 1' } as never),
    ],
    [
      'a URL with an empty host (http:///x)',
      (not) => (not ? expect(`http:///127.0.0.1:${canary.port}`).not : expect(`http:///127.0.0.1:${canary.port}`)).toRespondHttp(),
    ],
    [
      'SMTP auth with a line break in the user',
      (not) =>
        (not ? expect(`smtp://127.0.0.1:${canary.port}`).not : expect(`smtp://127.0.0.1:${canary.port}`)).toAcceptMail({
          auth: { user: 'a\r\nQUIT', pass: 'x' },
        }),
    ],
    [
      'SMTP auth with a C1 control in the password',
      (not) =>
        (not ? expect(`smtp://127.0.0.1:${canary.port}`).not : expect(`smtp://127.0.0.1:${canary.port}`)).toAcceptMail({
          auth: { user: 'a', pass: 'x\u0085y' },
        }),
    ],
    ['a ping host with a zone id', (not) => (not ? expect('::1%lo').not : expect('::1%lo')).toBePingable()],
    ['a link-local ping host with a zone id', (not) => (not ? expect('fe80::1%eth0').not : expect('fe80::1%eth0')).toBePingable()],
    ['a TCP target with a zone id', (not) => (not ? expect('[::1%lo]:22').not : expect('[::1%lo]:22')).toAcceptTcp()],
  ]
  const DSNS: Array<[string, (port: number, part: string) => string, 'toConnectToDatabase' | 'toConnectToBroker' | 'toAcceptMail']> = [
    ['postgres', (p, part) => `postgres://${part}@127.0.0.1:${p}/test`, 'toConnectToDatabase'],
    ['mysql', (p, part) => `mysql://${part}@127.0.0.1:${p}/test`, 'toConnectToDatabase'],
    ['redis', (p, part) => `redis://${part}@127.0.0.1:${p}`, 'toConnectToDatabase'],
    ['amqp', (p, part) => `amqp://${part}@127.0.0.1:${p}/vhost`, 'toConnectToBroker'],
    ['mqtt', (p, part) => `mqtt://${part}@127.0.0.1:${p}`, 'toConnectToBroker'],
    ['nats', (p, part) => `nats://${part}@127.0.0.1:${p}`, 'toConnectToBroker'],
    ['smtp', (p, part) => `smtp://${part}@127.0.0.1:${p}`, 'toAcceptMail'],
  ]
  for (const [scheme, dsn, matcher] of DSNS) {
    for (const [where, part] of [
      ['user', 'ad%00min:pw'],
      ['password (C1 control)', 'app:p%C2%85w'],
      ['password', 'app:pw%0d%0aFLUSHALL'],
      ['password (NUL)', 'app:p%00w'],
    ] as const) {
      cases.push([
        `a control character in the ${where} of a ${scheme} DSN`,
        (not) =>
          ((not ? expect(dsn(canary.port, part)).not : expect(dsn(canary.port, part))) as unknown as Record<string, () => Promise<unknown>>)[
            matcher
          ]?.() as Promise<unknown>,
      ])
    }
  }
  cases.push(
    [
      'a control character in a postgres database name',
      (not) =>
        (not
          ? expect(`postgres://app@127.0.0.1:${canary.port}/te%0d%0ast`).not
          : expect(`postgres://app@127.0.0.1:${canary.port}/te%0d%0ast`)
        ).toConnectToDatabase(),
    ],
    [
      'a control character in a postgres parameter',
      (not) =>
        (not
          ? expect(`postgres://app@127.0.0.1:${canary.port}/test?application_name=a%0ab`).not
          : expect(`postgres://app@127.0.0.1:${canary.port}/test?application_name=a%0ab`)
        ).toConnectToDatabase(),
    ],
    [
      'a control character in a mysql database name',
      (not) =>
        (not
          ? expect(`mysql://app@127.0.0.1:${canary.port}/te%00st`).not
          : expect(`mysql://app@127.0.0.1:${canary.port}/te%00st`)
        ).toConnectToDatabase(),
    ],
    [
      'a CA that is no certificate (HTTPS)',
      (not) =>
        (not ? expect(`https://127.0.0.1:${canary.port}/`).not : expect(`https://127.0.0.1:${canary.port}/`)).toRespondHttp({
          tls: { ca: 'not a certificate' },
        }),
    ],
    [
      'a CA that is no certificate (certificate check)',
      (not) =>
        (not ? expect(`127.0.0.1:${canary.port}`).not : expect(`127.0.0.1:${canary.port}`)).toHaveValidCertificate({
          ca: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
        }),
    ],
    [
      'a CA that is no certificate (SMTP)',
      (not) =>
        (not ? expect(`smtps://127.0.0.1:${canary.port}`).not : expect(`smtps://127.0.0.1:${canary.port}`)).toAcceptMail({
          tls: { ca: Buffer.from('garbage') },
        }),
    ],
    [
      'an sslmode PostgreSQL does not know',
      (not) =>
        (not
          ? expect(`postgres://app@127.0.0.1:${canary.port}/test?sslmode=strict`).not
          : expect(`postgres://app@127.0.0.1:${canary.port}/test?sslmode=strict`)
        ).toConnectToDatabase(),
    ],
    [
      'an AMQP heartbeat that is no number',
      (not) =>
        (not
          ? expect(`amqp://app@127.0.0.1:${canary.port}/?heartbeat=soon`).not
          : expect(`amqp://app@127.0.0.1:${canary.port}/?heartbeat=soon`)
        ).toConnectToBroker(),
    ],
    [
      'an AMQP frameMax out of range',
      (not) =>
        (not
          ? expect(`amqp://app@127.0.0.1:${canary.port}/?frameMax=-5`).not
          : expect(`amqp://app@127.0.0.1:${canary.port}/?frameMax=-5`)
        ).toConnectToBroker(),
    ],
    [
      'a control character in an amqp virtual host',
      (not) =>
        (not ? expect(`amqp://app@127.0.0.1:${canary.port}/v%0dh`).not : expect(`amqp://app@127.0.0.1:${canary.port}/v%0dh`)).toConnectToBroker(),
    ],
  )
  test.each(cases)('%s: TargetError, with or without .not, nothing sent', async (name, run) => {
    const before = canary.connections
    const started = performance.now()
    for (const not of [false, true]) {
      const error = await run(not).then(
        () => undefined,
        (e: unknown) => e as Error,
      )
      expect(error, `${name} passed${not ? ' under .not' : ''}`).toBeInstanceOf(Error)
      expect(error?.name, error?.message).toBe('TargetError')
      expect(error?.message).not.toMatch(/FLUSHALL\r|\u0000/)
    }
    expect(canary.connections, `${name}: something was sent`).toBe(before)
    record({ category: 'input', case: name, check: 'various', outcome: 'TargetError, nothing sent', ms: performance.now() - started, limitMs: 0 })
  })
})
