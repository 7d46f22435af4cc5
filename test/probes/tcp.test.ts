import type { AddressInfo } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { TargetError } from '../../src/core/errors.ts'
import { probeTcp } from '../../src/probes/tcp.ts'
import { timed } from '../support/failure.ts'
import { watchHandles } from '../support/handles.ts'
import { createSilentHost, type SilentHost } from '../support/netns.ts'
import { freePort, type Running, selfSignedCertificate, startSilent, startTcp } from '../support/servers.ts'

describe('probeTcp', () => {
  test('connects over IPv4, IPv6 and a name, and closes', async () => {
    const handles = watchHandles()
    expect(await probeTcp('127.0.0.1:6379')).toMatchObject({
      ok: true,
      target: '127.0.0.1:6379',
      summary: 'connected to 127.0.0.1:6379',
      observed: { family: 'IPv4' },
    })
    expect(await probeTcp('[::1]:6379')).toMatchObject({
      ok: true,
      target: '[::1]:6379',
      summary: 'connected to [::1]:6379',
      observed: { address: '::1', family: 'IPv6' },
    })
    expect((await probeTcp('localhost:6379')).ok).toBe(true)
    expect((await probeTcp('tcp://127.0.0.1:5432')).ok).toBe(true)
    expect(await handles.leaked()).toEqual([])
  })

  test('reports a refused port', async () => {
    const port = await freePort()
    expect((await probeTcp(`127.0.0.1:${port}`)).error).toEqual({
      code: 'ECONNREFUSED',
      message: `connection refused by 127.0.0.1:${port}`,
      hint: 'nothing is listening there: is the service running, and are host and port right?',
    })
  })

  test('fails a connection over its latency budget', async () => {
    const result = await probeTcp('127.0.0.1:6379', { maxLatencyMs: 0.001 })
    expect(result.failures[0]).toMatch(/over the latency budget of 0.00 ms/)
  })

  test.each([
    ['127.0.0.1', /has no port/],
    ['db.internal:0', /has port 0/],
    ['db.internal:70000', /has port 70000/],
    ['$(id):22', /has an invalid host/],
    ['127.0.0.1; touch /tmp/pwned:22', /contains whitespace/],
    ['', /empty string/],
  ])('rejects %j', async (target, message) => {
    const error = await probeTcp(target).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TargetError)
    expect(String(error)).toMatch(message)
  })
})

describe('probeTcp against a host that never answers', () => {
  let silent: SilentHost
  beforeAll(() => {
    silent = createSilentHost()
  })
  afterAll(() => silent?.remove())

  test('fails within the deadline, and leaves no socket', async () => {
    const handles = watchHandles()
    const { value: result, ms } = await timed(() => probeTcp(`${silent.address}:5432`, { timeoutMs: 500 }))
    expect(ms).toBeLessThan(600)
    expect(result.error).toMatchObject({ code: 'ETIMEDOUT', message: `no connection to ${silent.address}:5432 within 500 ms` })
    expect(await handles.leaked()).toEqual([])
  })
})

describe('probeTcp send / expect (query-response, banners)', () => {
  let ssh: Running
  let echo: Running
  let dribble: Running
  let flood: Running
  let closing: Running
  let silentPort: Running
  let secure: Running
  const certificate = selfSignedCertificate()
  beforeAll(async () => {
    ssh = await startTcp((socket) => socket.write('SSH-2.0-OpenSSH_9.6p1 Debian-4\r\n'))
    echo = await startTcp((socket) => socket.on('data', (data) => socket.write(`you said: ${data}`)))
    // a byte every 5 ms, never the banner asked for
    dribble = await startTcp((socket) => {
      const timer = setInterval(() => socket.write('x'), 5)
      socket.on('close', () => clearInterval(timer))
    })
    // tiny packets without end, with escape sequences and a secret-looking pair in them
    flood = await startTcp((socket) => {
      const write = (): void => {
        if (socket.destroyed) return
        socket.write('\u001b[31mpassword=hunter2 ', () => setImmediate(write))
      }
      write()
    })
    closing = await startTcp((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'))
    silentPort = await startSilent()
    const server = createTlsServer(certificate, (socket) => {
      socket.on('error', () => {})
      socket.on('data', (data) => socket.write(`tls says: ${data}`))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    secure = {
      url: '',
      port: (server.address() as AddressInfo).port,
      connections: 0,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    }
  })
  afterAll(async () => {
    for (const server of [ssh, echo, dribble, flood, closing, silentPort, secure]) await server?.close()
  })

  test('a banner that matches passes, and says what came', async () => {
    const result = await probeTcp(`127.0.0.1:${ssh.port}`, { expect: /^SSH-2\.0-/ })
    expect(result).toMatchObject({
      ok: true,
      summary: `connected to 127.0.0.1:${ssh.port}, received "SSH-2.0-OpenSSH_9.6p1 Debian-4\\r\\n" (32 bytes)`,
      observed: { matched: true, receivedBytes: 32 },
    })
    expect(result.phases).toHaveProperty('query')
  })

  test('send, then the answer: a real Redis answers PING', async () => {
    const handles = watchHandles()
    const result = await probeTcp('127.0.0.1:6379', { send: 'PING\r\n', expect: '+PONG' })
    expect(result).toMatchObject({ ok: true, observed: { sentBytes: 6, matched: true, received: '+PONG\\r\\n' } })
    expect(await handles.leaked()).toEqual([])
  })

  test('bytes can be sent, and a banner before the answer is part of what is matched', async () => {
    const result = await probeTcp(`127.0.0.1:${echo.port}`, { send: Buffer.from('hello\n'), expect: /^you said: hello$/m })
    expect(result.ok).toBe(true)
  })

  test('a peer that answers something else and closes: the failure shows what it sent, escaped', async () => {
    const result = await probeTcp(`127.0.0.1:${closing.port}`, { expect: /^SSH-2\.0-/ })
    expect(result.ok).toBe(false)
    expect(result.error).toBeUndefined()
    expect(result.failures).toEqual(['what was received does not match /^SSH-2\\.0-/, and the peer closed the connection'])
    expect(result.summary).toBe(`connected to 127.0.0.1:${closing.port}, received "HTTP/1.1 400 Bad Request\\r\\n\\r\\n" (28 bytes)`)
  })

  test('a peer that hangs up without a word: ECONNCLOSED, not a judgement of nothing', async () => {
    const hangUp = await startTcp((socket) => socket.end())
    try {
      expect((await probeTcp(`127.0.0.1:${hangUp.port}`, { send: 'PING\r\n', expect: '+PONG' })).error).toMatchObject({
        code: 'ECONNCLOSED',
        message: `127.0.0.1:${hangUp.port} closed the connection without sending anything (after 6 bytes sent)`,
      })
    } finally {
      await hangUp.close()
    }
  })

  test('a peer that says nothing: the deadline, within 20 %, says so and suggests send', async () => {
    const { value: result, ms } = await timed(() => probeTcp(`127.0.0.1:${silentPort.port}`, { expect: '220 ', timeoutMs: 400 }))
    expect(ms).toBeLessThan(480)
    expect(result.error).toMatchObject({
      code: 'ETIMEDOUT',
      message: `connected to 127.0.0.1:${silentPort.port}, but received no data including "220 " within 400 ms; received nothing`,
    })
    expect(result.error?.hint).toMatch(/does this service speak first/)
  })

  test('a peer that dribbles other bytes: the deadline holds, and the message shows the start', async () => {
    const { value: result, ms } = await timed(() => probeTcp(`127.0.0.1:${dribble.port}`, { expect: /^SSH/, timeoutMs: 400 }))
    expect(ms).toBeLessThan(480)
    expect(result.error?.message).toMatch(/received "x+" \(\d+ bytes\)$/)
  })

  test('a flood of tiny packets: matched on the first 4 KiB only, cheap, redacted and escaped in the result', async () => {
    const started = process.cpuUsage()
    const { value: result, ms } = await timed(() => probeTcp(`127.0.0.1:${flood.port}`, { expect: /^SSH/, timeoutMs: 2000 }))
    const cpu = process.cpuUsage(started)
    expect(ms).toBeLessThan(1000)
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(500)
    expect(result.failures).toEqual(['the first 4 KiB received does not match /^SSH/'])
    expect(result.observed.receivedBytes).toBe(4096)
    expect(result.summary).not.toContain('hunter2')
    expect(result.summary).not.toContain('\u001b')
    expect(result.summary).toContain('\\x1b[31mpassword=***')
  })

  test('TLS first, then send / expect', async () => {
    const result = await probeTcp(`localhost:${secure.port}`, { tls: { ca: certificate.cert }, send: 'hi', expect: 'tls says: hi' })
    expect(result).toMatchObject({ ok: true, observed: { tlsVersion: 'TLSv1.3', matched: true } })
    expect(result.phases).toHaveProperty('tls')
    const untrusted = await probeTcp(`localhost:${secure.port}`, { tls: true })
    expect(untrusted.error?.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT')
    expect((await probeTcp(`localhost:${secure.port}`, { tls: { rejectUnauthorized: false } })).ok).toBe(true)
  })

  test.each([
    ['an empty send', { send: '' }, /send must not be empty/],
    ['a number to send', { send: 42 }, /send must be text or bytes/],
    ['70,000 bytes to send', { send: 'x'.repeat(70_000) }, /send must be at most 64 KiB/],
    ['an empty expect', { expect: '' }, /expect must be a non-empty string or a RegExp/],
    ['a number to expect', { expect: 220 }, /expect must be a non-empty string or a RegExp/],
    ['tls: "yes"', { tls: 'yes' }, /tls must be an object/],
    ['a typo in a tls option', { tls: { rejectUnathorized: false } }, /unknown tls option "rejectUnathorized" \(did you mean rejectUnauthorized\?\)/],
    ['a typo in an option', { expct: /x/ }, /unknown option "expct" \(did you mean expect\?\)/],
  ])('rejects %s before connecting', async (_, options, message) => {
    const before = echo.connections
    const error = await probeTcp(`127.0.0.1:${echo.port}`, options as never).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TargetError)
    expect(String(error)).toMatch(message)
    expect(echo.connections).toBe(before)
  })
})
