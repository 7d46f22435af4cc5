// HTTP peers beyond the first hostile suite: a redirect that leaves the origin must not take
// any credential with it; unrequested 100 Continue responses are skipped as RFC 9110 asks;
// a peer's text never reaches the terminal raw; no failure line is longer than its limit.
import type { IncomingHttpHeaders } from 'node:http'
import type { Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { probeHttp } from '../../src/probes/http.ts'
import { MAX_LINE_CHARS, MAX_LINES } from '../../src/core/text.ts'
import { type Running, startHttp, startTcp } from '../support/servers.ts'
import { LIMIT_MS, loadProbes, mustFail, record, TIMEOUT_MS, writeRows } from './record.ts'

const timeoutMs = TIMEOUT_MS
beforeAll(loadProbes)
afterAll(() => writeRows(import.meta.filename))

async function withServers<T>(starts: Array<Promise<Running>>, body: (servers: Running[]) => Promise<T>): Promise<T> {
  const servers = await Promise.all(starts)
  try {
    return await body(servers)
  } finally {
    await Promise.all(servers.map((s) => s.close()))
  }
}

describe('a redirect that leaves the origin takes no credential with it', () => {
  const SECRET_HEADERS = {
    authorization: 'Bearer Redir-Bearer-1',
    cookie: 'sid=Redir-Cookie-2; theme=dark',
    'x-api-key': 'Redir-ApiKey-3',
    'x-auth-token': 'Redir-AuthToken-4',
    'x-auth': 'Redir-Auth-5',
    'x-session-id': 'Redir-Session-6',
    'x-hub-signature-256': 'sha256=Redir-Signature-7',
    'x-csrf-token': 'Redir-Csrf-8',
  }
  test.each([
    ['to another port', (port: number) => `http://127.0.0.1:${port}/landing`],
    ['to another host name', (port: number) => `http://localhost:${port}/landing`],
  ])('%s', async (name, location) => {
    let received: IncomingHttpHeaders = {}
    const land = startHttp((req, res) => {
      received = req.headers
      res.end('landed')
    })
    await withServers([land], async ([other]) => {
      await withServers([startHttp((_, res) => res.writeHead(302, { location: location((other as Running).port) }).end())], async ([origin]) => {
        const result = await probeHttp(`${(origin as Running).url}/start`, { headers: { ...SECRET_HEADERS, 'x-trace': 'kept-on' }, timeoutMs })
        expect(result.ok).toBe(true)
        for (const header of Object.keys(SECRET_HEADERS)) expect(received[header], `${header} crossed to ${name}`).toBeUndefined()
        expect(received['x-trace']).toBe('kept-on')
        record({
          category: 'redirect',
          case: `a redirect ${name}`,
          check: 'toRespondHttp',
          outcome: `${Object.keys(SECRET_HEADERS).length} secret headers dropped, x-trace kept`,
          ms: result.latencyMs,
          limitMs: 0,
        })
      })
    })
  })

  test('within the origin, every header goes on', async () => {
    let received: IncomingHttpHeaders = {}
    const origin_ = startHttp((req, res) => {
      if (req.url === '/start') return void res.writeHead(307, { location: '/landing' }).end()
      received = req.headers
      res.end('landed')
    })
    await withServers([origin_], async ([origin]) => {
      await probeHttp(`${(origin as Running).url}/start`, { headers: SECRET_HEADERS, timeoutMs })
      for (const [header, value] of Object.entries(SECRET_HEADERS)) expect(received[header]).toBe(value)
    })
  })
})

describe('unrequested 100 Continue responses before the response', () => {
  const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n'
  const OK = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok'
  /** Answers every request with `parts`, written `gapMs` apart. */
  const answer = (parts: string[], gapMs = 0): Promise<Running> =>
    startTcp((socket: Socket) =>
      socket.once('data', async () => {
        for (const part of parts) {
          if (socket.destroyed) return
          socket.write(part)
          if (gapMs) await new Promise((resolve) => setTimeout(resolve, gapMs))
        }
        socket.end()
      }),
    )
  test.each([
    ['one 100 Continue', [CONTINUE + OK], 1],
    ['two of them', [CONTINUE + CONTINUE + OK], 2],
    ['a 100 Continue then a 103 Early Hints', [`${CONTINUE}HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n${OK}`], 1],
    ['a 100 Continue cut in pieces', [...CONTINUE.split(''), OK], 1],
    ['a 100 Continue, a pause, then the response', [CONTINUE, OK], 1],
    ['a 100 Continue with headers, in HTTP/1.0', ['HTTP/1.0 100 Continue\r\nX-A: b\r\n\r\n', OK], 1],
    ['a 103 Early Hints, then a 100 Continue', [`HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n${CONTINUE}${OK}`], 1],
    [
      'a 102 Processing, a 100 Continue, a 103, another 100',
      [`HTTP/1.1 102 Processing\r\n\r\n${CONTINUE}HTTP/1.1 103 Early Hints\r\n\r\n${CONTINUE}${OK}`],
      2,
    ],
  ] as const)('%s: the response counts, as curl reads it', async (name, parts, continues) => {
    await withServers([answer([...parts], name.includes('pause') ? 100 : 1)], async ([server]) => {
      const result = await probeHttp((server as Running).url, { timeoutMs, bodyIncludes: 'ok' })
      expect(result.error).toBeUndefined()
      expect(result.ok).toBe(true)
      expect(result.observed).toMatchObject({ status: 200, continues })
      record({
        category: 'HTTP',
        case: name,
        check: 'toRespondHttp',
        outcome: `passes: ${continues} 100 Continue skipped, then HTTP 200`,
        ms: result.latencyMs,
        limitMs: LIMIT_MS,
      })
    })
  })

  test('only a 100 Continue, then nothing: a timeout that says what came', async () => {
    await withServers([startTcp((socket) => socket.once('data', () => socket.write(CONTINUE)))], async ([server]) => {
      await mustFail(
        'HTTP',
        'a 100 Continue, then silence',
        'toRespondHttp',
        () => expect((server as Running).url).toRespondHttp({ timeoutMs }),
        /ETIMEDOUT: .*no response/,
      )
    })
  })
})

describe("a peer's text never reaches the terminal raw", () => {
  const TERMINAL = '\u001b]0;owned\u0007\u001b[2J\u009b31m\r\u202e'
  test.each([
    ['in the body', () => startHttp((_, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`boom ${TERMINAL}`))],
    // (Node's own server refuses such a header: a raw one sends it)
    [
      'in a header that is checked',
      () =>
        startTcp((socket) =>
          socket.once('data', () => socket.end(`HTTP/1.1 200 OK\r\nX-Version: v\u001b]0;owned\u0007\u009b31m\r\nContent-Length: 2\r\n\r\nok`)),
        ),
    ],
    ['in a redirect Location', () => startHttp((_, res) => res.writeHead(302, { location: `gopher://x/${encodeURIComponent(TERMINAL)}` }).end())],
  ])('%s', async (name, start) => {
    await withServers([start()], async ([server]) => {
      const message = await mustFail(
        'terminal',
        `control characters ${name}`,
        'toRespondHttp',
        () => expect((server as Running).url).toRespondHttp({ timeoutMs, headersMatch: { 'x-version': 'v1' } }),
        /E[A-Z]+|failed/,
      )
      expect(message).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/)
    })
  })
})

describe('no failure line longer than its limit, no message longer than its lines', () => {
  test('a JSON body that misses 1000 expectations, and a 100 KB header', async () => {
    const big = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, 'x'.repeat(500)]))
    await withServers(
      [startHttp((_, res) => res.writeHead(200, { 'content-type': 'application/json', 'x-long': 'y'.repeat(8000) }).end(JSON.stringify(big)))],
      async ([server]) => {
        const json = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, 'z']))
        const message = await mustFail(
          'limits',
          '1000 failed expectations, long header and body',
          'toRespondHttp',
          () => expect((server as Running).url).toRespondHttp({ timeoutMs, json, headersMatch: { 'x-long': 'short' } }),
          /failed {4}JSON \$\.k0 is "x+…, expected "z"/,
        )
        const lines = message.split('\n')
        expect(lines.length).toBeLessThanOrEqual(MAX_LINES)
        expect(message).toMatch(/\n {2}… {9}\d+ more failed expectations\n {2}body {6}\{"k0":"x+… \(\d+ bytes in all\) \[application\/json\]$/)
        for (const line of lines) expect(line.length).toBeLessThan(MAX_LINE_CHARS + 60)
      },
    )
  })
})
