// What a peer says, in a message: never raw to the terminal (an ESC ]0;…BEL sets its title,
// a CR overwrites the line, U+202E turns it around), and never longer than the text limits,
// whatever the peer sends: real PostgreSQL and MariaDB errors, a Redis reply, a TXT answer, a
// certificate with thousands of names, an SMTP greeting.
import type { Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { MAX_LINE_CHARS, MAX_LINES } from '../../src/core/text.ts'
import { createCa, startTls } from '../support/certificates.ts'
import { type DnsServer, startDns } from '../support/dns.ts'
import { type LargeDns, startLargeTxtDns } from '../support/dns-large.ts'
import { type Running, startTcp } from '../support/servers.ts'
import { loadProbes, mustFail, TIMEOUT_MS, writeRows } from './record.ts'

const timeoutMs = TIMEOUT_MS
/** Sets the terminal title, clears the screen, a C1 CSI, a carriage return, a right-to-left override. */
const TERMINAL = '\u001b]0;owned\u0007\u001b[2J\u009b31m\rX\u202e'
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/

beforeAll(loadProbes)
afterAll(() => writeRows(import.meta.filename))

/** Every line within the limits. */
function expectWithinLimits(message: string): void {
  const lines = message.split('\n')
  expect(lines.length).toBeLessThanOrEqual(MAX_LINES)
  for (const line of lines) expect(line.length, line.slice(0, 80)).toBeLessThan(MAX_LINE_CHARS + 60)
}

describe("a peer's control characters are escaped in the message", () => {
  let dns: DnsServer
  let redis: Running
  let smtp: Running
  beforeAll(async () => {
    dns = await startDns({ 'evil.test': { TXT: [{ data: `v=spf1 ${TERMINAL}` }] } })
    redis = await startTcp((socket: Socket) => socket.on('data', () => socket.write(`+OK ${TERMINAL.replace('\r', '')}\r\n`)))
    smtp = await startTcp((socket: Socket) => socket.write(`554 ${TERMINAL.replace('\r', '')} go away\r\n`))
  })
  afterAll(async () => {
    await dns?.close()
    await redis?.close()
    await smtp?.close()
  })

  test.each([
    // the server's own message, with the characters made by chr(): ESC, BEL, CSI (U+009B), CR, U+202E
    [
      'a PostgreSQL error',
      () =>
        expect('postgres://postgres@127.0.0.1:5432/test').toConnectToDatabase({
          timeoutMs,
          query:
            "do $$ begin raise exception '%', 'boom ' || chr(27) || ']0;owned' || chr(7) || chr(155) || '31m' || chr(13) || 'X' || chr(8238); end $$",
        }),
      /P0001: PostgreSQL at .* answered: boom \\x1b\]0;owned\\x07\\x9b31m\\rX\\u202e/,
    ],
    // (MariaDB escapes them itself, as \001B)
    [
      'a MariaDB error',
      () =>
        expect('mysql://root@127.0.0.1:3306/test').toConnectToDatabase({
          timeoutMs,
          query: `signal sqlstate '45000' set message_text = 'boom ${TERMINAL.replace(/\r/g, '')}'`,
        }),
      /ER_SIGNAL_EXCEPTION: MySQL at .* answered: boom (\\x1b|\\001B)\]0;owned/,
    ],
    [
      'a Redis reply',
      () => expect(`redis://127.0.0.1:${redis.port}`).not.toConnectToDatabase({ timeoutMs }),
      /Redis answered PING: OK \\x1b\]0;owned\\x07/,
    ],
    [
      'a TXT answer',
      () => expect('evil.test').toResolveDns({ type: 'TXT', includes: 'v=spf1 -all', servers: [dns.address], timeoutMs }),
      /do not include "v=spf1 -all" \(they are: v=spf1 \\x1b\]0;owned\\x07/,
    ],
    ['an SMTP greeting', () => expect(`smtp://127.0.0.1:${smtp.port}`).toAcceptMail({ timeoutMs }), /554 \\x1b\]0;owned\\x07/],
  ])('%s', async (name, run, cause) => {
    const message = await mustFail('terminal', `control characters in ${name}`, name, run, cause)
    expect(message).not.toMatch(UNPRINTABLE)
    expectWithinLimits(message)
  })
})

describe('no failure line longer than its limit, whatever the peer sends', () => {
  let dns: LargeDns
  beforeAll(async () => {
    // 240 TXT records of 255 characters, over TCP: some 61,000 characters of answers
    dns = await startLargeTxtDns(Array.from({ length: 240 }, (_, i) => `${String(i).padStart(3, '0')}${'t'.repeat(252)}`))
  })
  afterAll(() => dns?.close())

  test('a TXT answer of 61,000 characters', async () => {
    const message = await mustFail(
      'limits',
      'a TXT answer of 61,000 characters',
      'toResolveDns',
      () => expect('big.test').toResolveDns({ type: 'TXT', includes: 'v=spf1', servers: [dns.address], timeoutMs }),
      /do not include "v=spf1" \(they are: 000t+… \(\d+ more characters\), /,
    )
    expectWithinLimits(message)
  })

  test('a certificate with 3,000 subject alternative names', async () => {
    const ca = createCa()
    const server = await startTls(ca.issue({ cn: 'wide.example', altNames: Array.from({ length: 3000 }, (_, i) => `host-${i}.wide.example`) }))
    try {
      const message = await mustFail(
        'limits',
        'a certificate with 3,000 names',
        'toHaveValidCertificate',
        () => expect(`127.0.0.1:${server.port}`).toHaveValidCertificate({ timeoutMs, ca: ca.cert, servername: 'other.example' }),
        /not valid for other\.example: it covers DNS:host-0\.wide\.example, .* … 2990 more/,
      )
      expectWithinLimits(message)
    } finally {
      await server.close()
    }
  })

  test('a Redis reply of 400 KB on one line', async () => {
    // (ioredis sends CLIENT SETINFO twice first, maybe in one chunk with the PING: OK to those)
    const redis = await startTcp((socket: Socket) =>
      socket.on('data', (data) => {
        for (const command of data.toString().split(/(?=\*\d+\r\n)/))
          socket.write(command.includes('PING') ? `+${'r'.repeat(400 * 1024)}\r\n` : '+OK\r\n')
      }),
    )
    try {
      // .not: the check passes; its message is the one .not fails with
      const message = await mustFail(
        'limits',
        'a Redis reply of 400 KB',
        'toConnectToDatabase (redis)',
        () => expect(`redis://127.0.0.1:${redis.port}`).not.toConnectToDatabase({ timeoutMs }),
        /Redis answered PING: r+…/,
      )
      expectWithinLimits(message)
    } finally {
      await redis.close()
    }
  })
})

describe('real database rows of any size are cut before they are shown', () => {
  test.each([
    ['PostgreSQL', 'postgres://postgres@127.0.0.1:5432/test', "select repeat(E'\\n', 200000) as blank, repeat('Authorization: x', 20000) as auth"],
    ['MariaDB', 'mysql://root@127.0.0.1:3306/test', "select repeat('\\n', 200000) as blank, repeat('Authorization: x', 20000) as auth"],
  ])('%s', async (name, dsn, query) => {
    const started = performance.now()
    const message = await mustFail(
      'limits',
      `${name}: rows of 200,000 newlines and 320 KB`,
      `toConnectToDatabase (${name})`,
      () => expect(dsn).toConnectToDatabase({ timeoutMs, query, maxLatencyMs: 0.001 }),
      /took .* over the latency budget/,
    )
    expect(performance.now() - started).toBeLessThan(1200)
    expectWithinLimits(message)
  })
})
