import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { failureOf } from '../support/failure.ts'
import { type GrpcServer, startGrpc } from '../support/grpc.ts'

describe('toBeServingGrpc', () => {
  let server: GrpcServer
  let bare: GrpcServer
  beforeAll(async () => {
    server = await startGrpc({ '': 'SERVING', 'orders.v1.Orders': 'NOT_SERVING' })
    bare = await startGrpc()
  })
  afterAll(async () => {
    await server?.close()
    await bare?.close()
  })

  test('passes on SERVING, host:port and grpc://', async () => {
    await expect(`127.0.0.1:${server.port}`).toBeServingGrpc()
    await expect(`grpc://127.0.0.1:${server.port}`).toBeServingGrpc({ maxLatencyMs: 2000 })
  })

  test('NOT_SERVING: the message names the service and the status; .not passes it', async () => {
    const message = await failureOf(expect(`127.0.0.1:${server.port}`).toBeServingGrpc({ service: 'orders.v1.Orders' }))
    expect(message.split('\n')).toEqual([
      `toBeServingGrpc: 127.0.0.1:${server.port}`,
      '  expected  service "orders.v1.Orders" SERVING (grpc.health.v1 Check)',
      expect.stringMatching(/^ {2}observed {2}orders\.v1\.Orders: NOT_SERVING in [\d.]+ ms$/),
      '  failed    service "orders.v1.Orders" is NOT_SERVING, expected SERVING',
    ])
    await expect(`127.0.0.1:${server.port}`).not.toBeServingGrpc({ service: 'orders.v1.Orders' })
  })

  test('no health service: says UNIMPLEMENTED, and what to do', async () => {
    const message = await failureOf(expect(`127.0.0.1:${bare.port}`).toBeServingGrpc())
    expect(message).toMatch(/observed {2}UNIMPLEMENTED: 127\.0\.0\.1:\d+ has no gRPC health service/)
    expect(message).toMatch(/fix {7}register the standard health service/)
  })

  test('bad input throws at the call site, with or without .not', async () => {
    await expect(expect('orders.internal').toBeServingGrpc()).rejects.toThrow('toBeServingGrpc: "orders.internal" has no port')
    await expect(expect('grpc://127.0.0.1:1').not.toBeServingGrpc({ tls: true })).rejects.toThrow(
      /^toBeServingGrpc: a grpc:\/\/ target is plain text/,
    )
  })
})
