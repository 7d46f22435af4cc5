import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { WebSocketServer } from 'ws'
import { failureOf } from '../support/failure.ts'

describe('toAcceptWebSocket', () => {
  let server: WebSocketServer
  let url: string
  beforeAll(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (offered) => (offered.has('v2.push') ? 'v2.push' : false) })
    server.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo ${data}`)))
    await new Promise((resolve) => server.once('listening', resolve))
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/socket`
  })
  afterAll(async () => {
    for (const client of server.clients) client.terminate()
    await new Promise((resolve) => server.close(resolve))
  })

  test('passes: upgrade, subprotocol, message', async () => {
    await expect(url).toAcceptWebSocket()
    await expect(url).toAcceptWebSocket({ protocols: ['v2.push'], send: 'ping', expectMessage: /^echo ping$/, maxLatencyMs: 2000 })
  })

  test('the failure says what was expected and what came instead; .not passes it', async () => {
    const message = await failureOf(expect(url).toAcceptWebSocket({ send: 'ping', expectMessage: 'pong', timeoutMs: 300 }))
    expect(message.split('\n').slice(0, 3)).toEqual([
      `toAcceptWebSocket: ${url}`,
      '  expected  upgrade to WebSocket (101), a message sent, a message including "pong" received',
      expect.stringMatching(
        /^ {2}observed {2}ETIMEDOUT: ws:\/\/.+ is open, but no message including "pong" came within 300 ms; received 1 message: "echo ping" \(after \d+ ms\)$/,
      ),
    ])
    await expect(url).not.toAcceptWebSocket({ protocols: 'mqtt' })
  })

  test('bad input throws at the call site, with or without .not', async () => {
    await expect(expect('http://127.0.0.1:1/').toAcceptWebSocket()).rejects.toThrow(/^toAcceptWebSocket: /)
    await expect(expect(url).not.toAcceptWebSocket({ protocols: ['a b'] })).rejects.toThrow(/^toAcceptWebSocket: protocols must be a list of tokens/)
  })
})
