import { createHash } from 'node:crypto'
import { createServer as createHttpsServer } from 'node:https'
import { createServer as createTcpServer } from 'node:net'
import { deflateRawSync } from 'node:zlib'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { WebSocketServer } from 'ws'
import { TargetError } from '../../src/core/errors.ts'
import { probeWebSocket } from '../../src/probes/websocket.ts'
import { timed } from '../support/failure.ts'
import { watchHandles } from '../support/handles.ts'
import { freePort, type Running, selfSignedCertificate, startHttp, startSilent } from '../support/servers.ts'

/**
 * A server that completes the upgrade with permessage-deflate, then sends one message: 64 MiB
 * of zeros, some 64 KiB once compressed (a bomb for a client that inflates without a limit).
 * Raw frames, compressed once before the test: the server itself costs no memory.
 */
async function startDeflateBomb(): Promise<{ port: number; close(): Promise<void> }> {
  const compressed = deflateRawSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }).subarray(0, -4)
  const length = Buffer.alloc(8)
  length.writeBigUInt64BE(BigInt(compressed.length))
  const frame = Buffer.concat([Buffer.from([0xc2, 127]), length, compressed])
  const server = createTcpServer((socket) => {
    socket.on('error', () => {})
    socket.once('data', (head) => {
      const key = /sec-websocket-key: *(\S+)/i.exec(head.toString('latin1'))?.[1] ?? ''
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n`,
      )
      socket.write(frame)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

/** A `ws` server on a free loopback port, closed with its clients. */
async function startWs(
  options: ConstructorParameters<typeof WebSocketServer>[0],
  onConnection: (socket: import('ws').WebSocket, request: import('node:http').IncomingMessage) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options })
  server.on('connection', onConnection)
  await new Promise((resolve) => server.once('listening', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const client of server.clients) client.terminate()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

describe('probeWebSocket', () => {
  let echo: Awaited<ReturnType<typeof startWs>>
  let closer: Awaited<ReturnType<typeof startWs>>
  let flood: Awaited<ReturnType<typeof startWs>>
  let bomb: Awaited<ReturnType<typeof startWs>>
  let refusing: Running
  let silent: Running
  let secure: { port: number; close(): Promise<void> }
  const certificate = selfSignedCertificate()
  const closes: number[] = []

  beforeAll(async () => {
    echo = await startWs({ handleProtocols: (offered) => (offered.has('chat.v2') ? 'chat.v2' : false) }, (socket, request) => {
      socket.on('close', (code) => closes.push(code))
      socket.send(`welcome ${request.headers.authorization ?? 'anonymous'}`)
      socket.on('message', (data, binary) => socket.send(binary ? data : `echo ${data}`))
    })
    closer = await startWs({}, (socket) => socket.close(1008, 'token expired'))
    flood = await startWs({}, (socket) => {
      const send = (): void => {
        if (socket.readyState === socket.OPEN) socket.send('tick', () => setImmediate(send))
      }
      send()
    })
    bomb = await startDeflateBomb()
    refusing = await startHttp((_, response) => response.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden'))
    silent = await startSilent()
    const https = createHttpsServer(certificate)
    const wss = new WebSocketServer({ server: https })
    wss.on('connection', (socket) => socket.send('hello over TLS'))
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve))
    secure = {
      port: (https.address() as AddressInfo).port,
      close: async () => {
        for (const client of wss.clients) client.terminate()
        await new Promise((resolve) => https.close(resolve))
      },
    }
  })
  afterAll(async () => {
    for (const server of [echo, closer, flood, bomb, refusing, silent, secure]) await server?.close()
  })

  test('upgrades, chooses the subprotocol, exchanges a message, closes with 1000, leaves nothing open', async () => {
    const handles = watchHandles()
    const result = await probeWebSocket(`ws://127.0.0.1:${echo.port}/socket`, {
      protocols: ['chat.v2', 'chat.v1'],
      send: 'ping',
      expectMessage: /^echo ping$/,
    })
    expect(result).toMatchObject({
      ok: true,
      summary: 'WebSocket open (subprotocol chat.v2), received 2 messages',
      observed: { status: 101, protocol: 'chat.v2', sentBytes: 4, matched: true, closedCleanly: true, messages: ['welcome anonymous', 'echo ping'] },
    })
    expect(Object.keys(result.phases ?? {})).toEqual(['connect', 'firstByte', 'query'])
    expect(await handles.leaked()).toEqual([])
    await expect.poll(() => closes.at(-1)).toBe(1000)
  })

  test('a server that chooses none of the subprotocols offered', async () => {
    const result = await probeWebSocket(`ws://127.0.0.1:${echo.port}/`, { protocols: 'mqtt' })
    expect(result.error).toEqual({
      code: 'ESUBPROTOCOL',
      message: `ws://127.0.0.1:${echo.port}/ accepted the upgrade but chose none of the subprotocols offered (mqtt)`,
      hint: 'the server does not speak these subprotocols: check `protocols` against what the server supports',
    })
  })

  test('a server that answers HTTP instead of upgrading: its status, and what to check', async () => {
    const result = await probeWebSocket(`ws://127.0.0.1:${refusing.port}/socket`)
    expect(result.error).toMatchObject({
      code: 'EUPGRADE',
      message: `ws://127.0.0.1:${refusing.port}/socket answered HTTP 403 instead of 101 Switching Protocols`,
    })
    expect(result.error?.hint).toMatch(/credentials/)
    expect(result.observed.status).toBe(403)
  })

  test('a port that accepts and never upgrades: the deadline, within 20 %', async () => {
    const { value: result, ms } = await timed(() => probeWebSocket(`ws://127.0.0.1:${silent.port}/`, { timeoutMs: 400 }))
    expect(ms).toBeLessThan(480)
    expect(result.error).toMatchObject({
      code: 'ETIMEDOUT',
      message: `connected to 127.0.0.1:${silent.port}, but no answer to the WebSocket upgrade within 400 ms`,
    })
  })

  test('no matching message: the deadline, within 20 %, and the failure shows what came instead', async () => {
    const { value: result, ms } = await timed(() =>
      probeWebSocket(`ws://127.0.0.1:${echo.port}/`, { send: 'ping', expectMessage: 'pong', timeoutMs: 400 }),
    )
    expect(ms).toBeLessThan(480)
    expect(result.error).toMatchObject({
      code: 'ETIMEDOUT',
      message: `ws://127.0.0.1:${echo.port}/ is open, but no message including "pong" came within 400 ms; received 2 messages: "welcome anonymous", "echo ping"`,
    })
  })

  test('a server that closes first: its code and reason', async () => {
    const result = await probeWebSocket(`ws://127.0.0.1:${closer.port}/`, { expectMessage: /ready/ })
    expect(result.ok).toBe(false)
    expect(result.failures).toEqual([
      'no message came, and the server closed the connection (1008 Policy Violation: "token expired"); expected a message matching /ready/',
    ])
  })

  test('a flood of messages: at most 100 looked at, the check ends at once', async () => {
    const { value: result, ms } = await timed(() => probeWebSocket(`ws://127.0.0.1:${flood.port}/`, { expectMessage: 'tock', timeoutMs: 2000 }))
    expect(ms).toBeLessThan(1000)
    expect(result.observed.messagesReceived).toBe(100)
    expect(result.failures[0]).toMatch(
      /^received 100 messages \(the first 5\): "tick", "tick", "tick", "tick", "tick": none include "tock"; expected a message including "tock"$/,
    )
  })

  test('a compressed bomb: stopped at the byte budget, inflated size included', async () => {
    global.gc?.()
    const before = process.memoryUsage().rss
    const result = await probeWebSocket(`ws://127.0.0.1:${bomb.port}/`, { expectMessage: 'x', timeoutMs: 3000 })
    expect(result.ok).toBe(false)
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024)
    expect(result.failures).toEqual([
      'no message came, and the connection ended without a closing handshake (1006: dropped by the server, or a message over maxReceivedBytes once inflated, or a bad frame); expected a message including "x"',
    ])
  })

  test('headers are sent, and their secrets never shown', async () => {
    const result = await probeWebSocket(`ws://127.0.0.1:${echo.port}/`, {
      headers: { Authorization: 'Bearer ws-s3cr3t-t0ken-value' },
      expectMessage: 'nothing like this',
      timeoutMs: 300,
    })
    expect(result.error?.message).toContain('"welcome Bearer ***"')
    expect(JSON.stringify(result)).not.toContain('ws-s3cr3t-t0ken-value')
    // credentials in the URL: basic auth on the upgrade, masked in the result
    const basic = await probeWebSocket(`ws://app:ws-url-passw0rd@127.0.0.1:${echo.port}/`, { expectMessage: /^welcome Basic / })
    expect(basic).toMatchObject({ ok: true, target: `ws://app:***@127.0.0.1:${echo.port}/`, observed: { messages: ['welcome Basic ***'] } })
    expect(JSON.stringify(basic)).not.toContain('ws-url-passw0rd')
  })

  test('wss with its CA; an untrusted certificate is named', async () => {
    expect(await probeWebSocket(`wss://localhost:${secure.port}/`, { tls: { ca: certificate.cert }, expectMessage: 'TLS' })).toMatchObject({
      ok: true,
    })
    expect((await probeWebSocket(`wss://localhost:${secure.port}/`)).error?.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT')
  })

  test('a refused port', async () => {
    const port = await freePort()
    expect((await probeWebSocket(`ws://127.0.0.1:${port}/`)).error).toMatchObject({
      code: 'ECONNREFUSED',
      message: `connection refused by 127.0.0.1:${port}`,
    })
  })

  test.each([
    ['an http URL', 'http://127.0.0.1:1/', {}, /is not a ws:\/\/ or wss:\/\/ URL|must be a ws:\/\/ or wss:\/\/ URL|ws:\/\/ or wss:\/\/ URL/],
    ['a port browsers block', 'ws://127.0.0.1:6667/', {}, /port 6667 is one the Fetch standard blocks/],
    ['a subprotocol with a space', 'ws://127.0.0.1:8080/', { protocols: ['chat v2'] }, /protocols must be a list of tokens/],
    ['a duplicate subprotocol', 'ws://127.0.0.1:8080/', { protocols: ['a', 'a'] }, /protocols must be a list without duplicates/],
    [
      'a Sec-WebSocket-Protocol header',
      'ws://127.0.0.1:8080/',
      { headers: { 'Sec-WebSocket-Protocol': 'a' } },
      /offer subprotocols with `protocols`/,
    ],
    ['an Upgrade header', 'ws://127.0.0.1:8080/', { headers: { Upgrade: 'h2c' } }, /header Upgrade cannot be set/],
    ['a header with a line break', 'ws://127.0.0.1:8080/', { headers: { 'x-a': 'a\r\nb' } }, /line break/],
    ['an object to send', 'ws://127.0.0.1:8080/', { send: { op: 'ping' } }, /send must be text or bytes/],
    ['a number to expect', 'ws://127.0.0.1:8080/', { expectMessage: 42 }, /expectMessage must be a non-empty string or a RegExp/],
    ['a typo', 'ws://127.0.0.1:8080/', { expectMesage: 'x' }, /did you mean expectMessage\?/],
  ])('rejects %s before connecting', async (_, target, options, message) => {
    const error = await probeWebSocket(target, options as never).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TargetError)
    expect(String(error)).toMatch(message)
  })
})
