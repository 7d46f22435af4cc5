import { connect, createServer, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { openScope } from '../../src/core/probe-scope.ts'

describe('probe scope', () => {
  const accepted: Socket[] = []
  const server = createServer((socket) => {
    accepted.push(socket)
    socket.on('error', () => {})
  })
  let port = 0
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as { port: number }).port
  })
  afterAll(async () => {
    for (const socket of accepted) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  })

  test('a socket a driver opens after the verdict (a late reconnect) never connects', async () => {
    const scope = openScope()
    // the driver's timer, set during the check, fires after it: same async context, scope closed
    const late = new Promise<Socket>((resolve) => scope.run(() => setTimeout(() => resolve(connect({ host: '127.0.0.1', port })), 20)))
    scope.close()
    const socket = await late
    await Promise.race([new Promise((resolve) => socket.once('close', resolve)), new Promise((resolve) => setTimeout(resolve, 1000))])
    expect(socket.destroyed).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(accepted).toHaveLength(0)
  })

  test('sockets of the scope are watched, counted against the budget, and destroyed at close', async () => {
    const scope = openScope(1024)
    const seen: Socket[] = []
    scope.watch((socket) => seen.push(socket))
    const socket = scope.run(() => connect({ host: '127.0.0.1', port }))
    await new Promise((resolve) => socket.once('connect', resolve))
    expect(seen).toEqual([socket])
    accepted.at(-1)?.write(Buffer.alloc(2048))
    await new Promise((resolve) => socket.once('close', resolve))
    expect(scope.exceeded?.code).toBe('ETOOLARGE')
    scope.close()
  })
})
