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

type Matcher = 'toRespondHttp' | 'toBePingable' | 'toConnectToDatabase' | 'toAcceptTcp' | 'toResolveDns' | 'toHaveValidCertificate' | 'toAcceptMail' | 'toConnectToBroker'
const MATCHERS: Matcher[] = ['toRespondHttp', 'toBePingable', 'toConnectToDatabase', 'toAcceptTcp', 'toResolveDns', 'toHaveValidCertificate', 'toAcceptMail', 'toConnectToBroker']

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
    record({ category: 'input', case: name, check: matcher, outcome: 'TargetError, nothing spawned or sent', ms: performance.now() - started, limitMs: 0 })
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
