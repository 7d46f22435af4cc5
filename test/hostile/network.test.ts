// Misbehaving peers at the TCP, HTTP, TLS and DNS levels: every check fails (never hangs)
// within its deadline + 20 %, names the cause, and leaves no handle open.
import type { Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createCa, selfSigned, startTls } from '../support/certificates.ts'
import { type DnsServer, startDns } from '../support/dns.ts'
import { createSilentHost, type SilentHost } from '../support/netns.ts'
import { type Running, startHttp, startSilent, startTcp } from '../support/servers.ts'
import { LIMIT_MS, loadProbes, mustFail, record, TIMEOUT_MS, writeRows } from './record.ts'

const SECRET = 'Hostile-Pass-42'
const timeoutMs = TIMEOUT_MS

type Check = { name: string; run: (host: string, port: number) => Promise<unknown> }

// every check that opens a TCP connection, each with credentials in its target
const TCP_CHECKS: Check[] = [
  { name: 'toRespondHttp', run: (h, p) => expect(`http://admin:${SECRET}@${h}:${p}/health`).toRespondHttp({ timeoutMs }) },
  { name: 'toRespondHttp (https)', run: (h, p) => expect(`https://admin:${SECRET}@${h}:${p}/health`).toRespondHttp({ timeoutMs }) },
  { name: 'toHaveValidCertificate', run: (h, p) => expect(`${h}:${p}`).toHaveValidCertificate({ timeoutMs }) },
  { name: 'toConnectToDatabase (postgres)', run: (h, p) => expect(`postgres://app:${SECRET}@${h}:${p}/app`).toConnectToDatabase({ timeoutMs }) },
  { name: 'toConnectToDatabase (mysql)', run: (h, p) => expect(`mysql://app:${SECRET}@${h}:${p}/app`).toConnectToDatabase({ timeoutMs }) },
  { name: 'toConnectToDatabase (redis)', run: (h, p) => expect(`redis://:${SECRET}@${h}:${p}`).toConnectToDatabase({ timeoutMs }) },
  { name: 'toConnectToBroker (amqp)', run: (h, p) => expect(`amqp://app:${SECRET}@${h}:${p}`).toConnectToBroker({ timeoutMs }) },
  { name: 'toConnectToBroker (mqtt)', run: (h, p) => expect(`mqtt://app:${SECRET}@${h}:${p}`).toConnectToBroker({ timeoutMs }) },
  { name: 'toConnectToBroker (nats)', run: (h, p) => expect(`nats://app:${SECRET}@${h}:${p}`).toConnectToBroker({ timeoutMs }) },
  { name: 'toAcceptMail', run: (h, p) => expect(`smtp://app:${SECRET}@${h}:${p}`).toAcceptMail({ timeoutMs }) },
  { name: 'toAcceptTcp (expect)', run: (h, p) => expect(`${h}:${p}`).toAcceptTcp({ send: `AUTH ${SECRET}\r\n`, expect: /^\+OK/, timeoutMs }) },
  { name: 'toBeServingGrpc', run: (h, p) => expect(`grpc://${h}:${p}`).toBeServingGrpc({ timeoutMs }) },
  {
    name: 'toAcceptWebSocket',
    run: (h, p) => expect(`ws://app:${SECRET}@${h}:${p}/socket`).toAcceptWebSocket({ expectMessage: 'ready', timeoutMs }),
  },
]

async function withServer<T>(start: Promise<Running>, body: (server: Running) => Promise<T>): Promise<T> {
  const server = await start
  try {
    return await body(server)
  } finally {
    await server.close()
  }
}

// a worker loads each driver once, with its first check: load them before timing anything
beforeAll(async () => {
  await loadProbes()
})
afterAll(() => writeRows(import.meta.filename))

describe('TCP: a peer that accepts, then stays silent', () => {
  test.each(TCP_CHECKS)('$name fails at its deadline', async ({ name, run }) => {
    await withServer(startSilent(), async (server) => {
      const message = await mustFail('TCP', 'accept, then silence', name, () => run('127.0.0.1', server.port), /ETIMEDOUT/)
      expect(message).toMatch(/within 1000 ms/)
      expect(message).not.toContain(SECRET)
    })
  })
})

describe('TCP: a peer that accepts, then resets at once', () => {
  const reset = (): Promise<Running> => startTcp((socket: Socket) => socket.resetAndDestroy())
  test.each(TCP_CHECKS)('$name fails at once', async ({ name, run }) => {
    await withServer(reset(), async (server) => {
      const message = await mustFail(
        'TCP',
        'accept, then reset',
        name,
        () => run('127.0.0.1', server.port),
        /ECONNRESET|ECONNCLOSED|EPIPE|closed the connection/,
      )
      expect(message).not.toContain(SECRET)
    })
  })
})

describe('TCP: a peer that accepts, then hangs up at once, without a word (FIN)', () => {
  const hangUp = (): Promise<Running> => startTcp((socket: Socket) => socket.end())
  test.each(TCP_CHECKS)('$name fails at once, never passes', async ({ name, run }) => {
    await withServer(hangUp(), async (server) => {
      const message = await mustFail('TCP', 'accept, then hang up (FIN)', name, () => run('127.0.0.1', server.port), /E[A-Z_]+:/)
      expect(message).not.toContain(SECRET)
    })
  })
})

describe('TCP: a peer that answers half, then never sends more nor closes', () => {
  // a plausible first byte of each protocol, then nothing: the connection stays half-open
  const halfOpen = (): Promise<Running> => startTcp((socket: Socket) => socket.write('2'))
  test.each(TCP_CHECKS)('$name fails at its deadline', async ({ name, run }) => {
    await withServer(halfOpen(), async (server) => {
      const message = await mustFail('TCP', 'half an answer, then silence (half-open)', name, () => run('127.0.0.1', server.port), /E[A-Z_]+:/)
      expect(message).not.toContain(SECRET)
    })
  })
})

describe('TCP: a host that has gone (SYN never answered)', () => {
  let gone: SilentHost
  beforeAll(() => {
    gone = createSilentHost()
  })
  afterAll(() => gone?.remove())

  test.each([...TCP_CHECKS, { name: 'toAcceptTcp', run: (h: string, p: number) => expect(`${h}:${p}`).toAcceptTcp({ timeoutMs }) }])(
    '$name fails at its deadline',
    async ({ name, run }) => {
      const message = await mustFail(
        'TCP',
        'host gone (no answer to SYN)',
        name,
        () => run(gone.address, 4000),
        /ETIMEDOUT|EHOSTUNREACH|no connection|no answer|no route/,
      )
      expect(message).not.toContain(SECRET)
    },
  )
})

describe('HTTP peers', () => {
  const raw = (text: string, then: 'close' | 'hang' = 'close') =>
    startTcp((socket: Socket) => {
      socket.write(text)
      if (then === 'close') socket.end()
    })

  test('headers dribbled one byte at a time (slowloris)', async () => {
    const dribble = startTcp((socket: Socket) => {
      const text = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok'
      let i = 0
      const timer = setInterval(() => (i < text.length ? socket.write(text[i++] ?? '') : clearInterval(timer)), 250)
      socket.on('close', () => clearInterval(timer))
    })
    await withServer(dribble, (server) =>
      mustFail(
        'HTTP',
        'headers dribbled a byte at a time (slowloris)',
        'toRespondHttp',
        () => expect(server.url).toRespondHttp({ timeoutMs }),
        /ETIMEDOUT: connected in [\d.]+ ms, but no response/,
      ),
    )
  })

  test('a body that never ends', async () => {
    const endless = startHttp((_, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      const timer = setInterval(() => res.write('more '), 50)
      res.on('close', () => clearInterval(timer))
    })
    await withServer(endless, (server) =>
      mustFail(
        'HTTP',
        'body streamed forever',
        'toRespondHttp',
        () => expect(server.url).toRespondHttp({ timeoutMs }),
        /body was not complete within 1000 ms/,
      ),
    )
  })

  test('a 100 MB body: past the 8 MiB budget the check stops reading and fails; with a larger budget, read to its end in bounded memory', async () => {
    const chunk = Buffer.alloc(256 * 1024, 'x')
    const huge = startHttp((_, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(400 * chunk.length) })
      let sent = 0
      const pump = (): void => {
        while (sent < 400) {
          sent++
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
        res.end()
      }
      res.on('error', () => {})
      pump()
    })
    await withServer(huge, async (server) => {
      await mustFail(
        'HTTP',
        '100 MB body, default budget',
        'toRespondHttp',
        () => expect(server.url).toRespondHttp({ timeoutMs }),
        /ETOOLARGE: the body is larger than 8 MiB \(status 200\)/,
      )
      const before = process.memoryUsage().rss
      const started = performance.now()
      await expect(server.url).toRespondHttp({ timeoutMs: 30_000, bodyIncludes: 'xxxx', maxReceivedBytes: 200 * 1024 * 1024 })
      const growthMb = (process.memoryUsage().rss - before) / 1024 / 1024
      expect(growthMb).toBeLessThan(50)
      record({
        category: 'HTTP',
        case: '100 MB body, maxReceivedBytes 200 MiB',
        check: 'toRespondHttp',
        outcome: `passes; body read to its end, 1 MiB kept; RSS +${growthMb.toFixed(1)} MB`,
        ms: performance.now() - started,
        limitMs: 30_000,
      })
    })
  })

  test.each([
    [
      'redirect loop',
      () => startHttp((req, res) => res.writeHead(302, { location: req.url === '/a' ? '/b' : '/a' }).end()),
      '/a',
      /EREDIRECTLOOP: redirect loop: /,
    ],
    [
      'redirect to another scheme',
      () => startHttp((_, res) => res.writeHead(301, { location: 'gopher://example.com/' }).end()),
      '/',
      /EREDIRECTSCHEME: redirected to gopher:\/\/example\.com\/, which is not http\(s\)/,
    ],
    ['invalid HTTP', () => raw('SSH-2.0-OpenSSH_9.2\r\n', 'hang'), '/', /EBADHTTP: 127\.0\.0\.1:\d+ sent an invalid HTTP response/],
    [
      'chunked encoding broken mid-way',
      () => raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\n'),
      '/',
      /(EBADHTTP|ECONNCLOSED): /,
    ],
    [
      'chunked stream cut mid-way',
      () => raw('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100\r\nonly a few bytes'),
      '/',
      /ECONNCLOSED: 127\.0\.0\.1:\d+ closed the connection in the middle of the body|UND_ERR/,
    ],
    [
      'Content-Length promises more than sent',
      () => raw('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nten bytes!'),
      '/',
      /body length does not match Content-Length|closed the connection in the middle of the body/,
    ],
  ] as const)('%s', async (name, start, path, cause) => {
    await withServer(start(), (server) =>
      mustFail('HTTP', name, 'toRespondHttp', () => expect(`${server.url}${path}`).toRespondHttp({ timeoutMs }), cause),
    )
  })
})

describe('TLS peers', () => {
  const ca = createCa()
  const LOCAL = ['localhost', '127.0.0.1']
  test.each([
    ['expired certificate', () => ca.issue({ cn: 'localhost', altNames: LOCAL, validFromDays: -60, validForDays: 30 }), /expired on \d{4}-\d\d-\d\d/],
    ['certificate not yet valid', () => ca.issue({ cn: 'localhost', altNames: LOCAL, validFromDays: 10 }), /not valid before \d{4}-\d\d-\d\d/],
    ['self-signed certificate', () => selfSigned('localhost', LOCAL), /self-signed \(DEPTH_ZERO_SELF_SIGNED_CERT\)/],
    [
      'certificate for another host',
      () => ca.issue({ cn: 'other.example', altNames: ['other.example'] }),
      /not valid for localhost: it covers DNS:other\.example/,
    ],
  ] as const)('%s', async (name, issue, cause) => {
    const server = await startTls(issue())
    try {
      const ca_ = name === 'self-signed certificate' ? undefined : ca.cert
      await mustFail(
        'TLS',
        name,
        'toHaveValidCertificate',
        () => expect(`localhost:${server.port}`).toHaveValidCertificate({ timeoutMs, ca: ca_ }),
        cause,
      )
      await mustFail(
        'TLS',
        name,
        'toRespondHttp (https)',
        () => expect(`https://localhost:${server.port}/`).toRespondHttp({ timeoutMs, tls: { ca: ca_ } }),
        /CERT|certificate|TLS/i,
      )
    } finally {
      await server.close()
    }
  })

  test('a handshake that never completes', async () => {
    await withServer(startSilent(), async (server) => {
      await mustFail(
        'TLS',
        'handshake never completes',
        'toHaveValidCertificate',
        () => expect(`127.0.0.1:${server.port}`).toHaveValidCertificate({ timeoutMs }),
        /TLS handshake did not complete within 1000 ms/,
      )
      await mustFail(
        'TLS',
        'handshake never completes',
        'toRespondHttp (https)',
        () => expect(`https://127.0.0.1:${server.port}/`).toRespondHttp({ timeoutMs }),
        /TLS handshake did not complete within 1000 ms/,
      )
    })
  })
})

describe('DNS peers', () => {
  let dns: DnsServer
  beforeAll(async () => {
    dns = await startDns({ 'servfail.test': { rcode: 'SERVFAIL' }, 'silent.test': { silent: true } })
  })
  afterAll(async () => {
    await dns?.close()
  })

  test.each([
    ['NXDOMAIN', 'nowhere.test', /ENOTFOUND: nowhere\.test does not exist \(NXDOMAIN\)/],
    ['SERVFAIL', 'servfail.test', /ESERVFAIL: .*\(SERVFAIL\)/],
    ['a resolver that never answers', 'silent.test', /ETIMEDOUT: no answer for silent\.test within 1000 ms/],
  ] as const)('%s', async (name, host, cause) => {
    await mustFail('DNS', name, 'toResolveDns', () => expect(host).toResolveDns({ servers: [dns.address], timeoutMs }), cause)
  })
})

test('every limit is the deadline + 20 %', () => {
  expect(LIMIT_MS).toBe(1200)
})
