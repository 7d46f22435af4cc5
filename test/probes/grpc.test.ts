import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { TargetError } from '../../src/core/errors.ts'
import { probeGrpc } from '../../src/probes/grpc.ts'
import { decodeHealthResponse, encodeHealthRequest } from '../../src/probes/grpc-health-proto.ts'
import { timed } from '../support/failure.ts'
import { type GrpcServer, startGrpc } from '../support/grpc.ts'
import { watchHandles } from '../support/handles.ts'
import { freePort, type Running, selfSignedCertificate, startGarbage, startSilent } from '../support/servers.ts'

describe('the health messages', () => {
  test('encode a request and decode a response, skipping unknown fields', () => {
    expect(encodeHealthRequest('')).toEqual(Buffer.alloc(0))
    expect(encodeHealthRequest('orders.v1.Orders')).toEqual(Buffer.concat([Buffer.from([0x0a, 16]), Buffer.from('orders.v1.Orders')]))
    expect(decodeHealthResponse(Buffer.alloc(0))).toBe('UNKNOWN')
    expect(decodeHealthResponse(Buffer.from([0x08, 0x01]))).toBe('SERVING')
    expect(decodeHealthResponse(Buffer.from([0x12, 0x02, 0x61, 0x62, 0x08, 0x02]))).toBe('NOT_SERVING')
    expect(decodeHealthResponse(Buffer.from([0x08, 0x09]))).toBe('UNKNOWN(9)')
    expect(() => decodeHealthResponse(Buffer.from([0x12, 0x7f, 0x00]))).toThrow(/runs past the end/)
    expect(() => decodeHealthResponse(Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toThrow(/varint/)
  })
})

describe('probeGrpc', () => {
  let health: GrpcServer
  let bare: GrpcServer
  let secure: GrpcServer
  let silent: Running
  let garbage: Running
  const certificate = selfSignedCertificate()
  beforeAll(async () => {
    health = await startGrpc({ '': 'SERVING', 'orders.v1.Orders': 'NOT_SERVING', 'billing.v1.Billing': 'SERVING' })
    bare = await startGrpc()
    secure = await startGrpc({ '': 'SERVING' }, certificate)
    silent = await startSilent()
    garbage = await startGarbage('SSH-2.0-OpenSSH_9.6\r\n')
  })
  afterAll(async () => {
    for (const server of [health, bare, secure, silent, garbage]) await server?.close()
  })

  test('SERVING passes: the server, a service, every target form; one connection each, nothing left open', async () => {
    const handles = watchHandles()
    expect(await probeGrpc(`127.0.0.1:${health.port}`)).toMatchObject({
      ok: true,
      target: `127.0.0.1:${health.port}`,
      summary: 'SERVING',
      observed: { servingStatus: 'SERVING', grpcStatus: 0, tls: false, service: '' },
    })
    const named = await probeGrpc(`grpc://localhost:${health.port}`, { service: 'billing.v1.Billing' })
    expect(named).toMatchObject({ ok: true, target: `grpc://localhost:${health.port}`, summary: 'billing.v1.Billing: SERVING' })
    expect(Object.keys(named.phases ?? {})).toEqual(['connect', 'query'])
    expect(await handles.leaked()).toEqual([])
  })

  test('NOT_SERVING fails, naming the service and the status', async () => {
    const result = await probeGrpc(`127.0.0.1:${health.port}`, { service: 'orders.v1.Orders' })
    expect(result).toMatchObject({ ok: false, summary: 'orders.v1.Orders: NOT_SERVING' })
    expect(result.failures).toEqual(['service "orders.v1.Orders" is NOT_SERVING, expected SERVING'])
    health.setStatus('orders.v1.Orders', 'SERVING')
    expect((await probeGrpc(`127.0.0.1:${health.port}`, { service: 'orders.v1.Orders' })).ok).toBe(true)
    health.setStatus('orders.v1.Orders', 'NOT_SERVING')
  })

  test('an unknown service name: NOT_FOUND, said as such', async () => {
    expect((await probeGrpc(`127.0.0.1:${health.port}`, { service: 'orders.v9.Nope' })).error).toEqual({
      code: 'NOT_FOUND',
      message: `127.0.0.1:${health.port} does not know service "orders.v9.Nope" (NOT_FOUND: SERVICE_UNKNOWN)`,
      hint: 'the health service has no status for this name: check `service` (the full name, e.g. package.v1.Service) against what the server registers',
    })
  })

  test('a server without the health service: UNIMPLEMENTED, said as such', async () => {
    const result = await probeGrpc(`127.0.0.1:${bare.port}`)
    expect(result.error).toMatchObject({
      code: 'UNIMPLEMENTED',
      message: `127.0.0.1:${bare.port} has no gRPC health service: /grpc.health.v1.Health/Check is UNIMPLEMENTED`,
    })
    expect(result.error?.hint).toMatch(/register the standard health service/)
  })

  test('TLS: grpcs:// with its CA passes; an untrusted certificate, and plain text against TLS, are named', async () => {
    expect(await probeGrpc(`grpcs://localhost:${secure.port}`, { tls: { ca: certificate.cert } })).toMatchObject({
      ok: true,
      observed: { tls: true },
    })
    expect((await probeGrpc(`localhost:${secure.port}`, { tls: { ca: certificate.cert } })).ok).toBe(true)
    expect((await probeGrpc(`grpcs://localhost:${secure.port}`)).error?.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT')
    expect((await probeGrpc(`grpcs://localhost:${secure.port}`, { tls: { rejectUnauthorized: false } })).ok).toBe(true)
    expect((await probeGrpc(`grpc://localhost:${secure.port}`)).error).toMatchObject({ code: 'EPROTOCOL' })
    expect((await probeGrpc(`grpcs://localhost:${health.port}`)).error?.code).toBe('ERR_SSL_WRONG_VERSION_NUMBER')
  })

  test('a refused port is the network error, not UNAVAILABLE', async () => {
    const port = await freePort()
    expect((await probeGrpc(`127.0.0.1:${port}`)).error).toMatchObject({ code: 'ECONNREFUSED', message: `connection refused by 127.0.0.1:${port}` })
  })

  test('a port that accepts and says nothing: the deadline, within 20 %, names the phase', async () => {
    const handles = watchHandles()
    const { value: result, ms } = await timed(() => probeGrpc(`127.0.0.1:${silent.port}`, { timeoutMs: 400 }))
    expect(ms).toBeLessThan(480)
    expect(result.error).toMatchObject({
      code: 'ETIMEDOUT',
      message: `no answer to the gRPC health check from 127.0.0.1:${silent.port} within 400 ms`,
    })
    expect(await handles.leaked()).toEqual([])
  })

  test('a port that speaks something else fails fast, within the deadline', async () => {
    const { value: result, ms } = await timed(() => probeGrpc(`127.0.0.1:${garbage.port}`, { timeoutMs: 1000 }))
    expect(ms).toBeLessThan(1200)
    expect(result.ok).toBe(false)
    expect(result.error).toMatchObject({
      code: 'EPROTOCOL',
      message: `127.0.0.1:${garbage.port} accepted the connection, but gRPC (HTTP/2) did not start on it (UNAVAILABLE)`,
    })
  })

  test.each([
    ['an http URL', 'http://127.0.0.1:50051', {}, /grpc:\/\//],
    ['no port', 'orders.internal', {}, /has no port/],
    ['tls with a grpc:// target', 'grpc://127.0.0.1:50051', { tls: true }, /grpc:\/\/ target is plain text/],
    ['a service with a line break', '127.0.0.1:50051', { service: 'a\nb' }, /service must be a service name/],
    ['a number as the service', '127.0.0.1:50051', { service: 7 }, /service must be a service name/],
    ['a typo', '127.0.0.1:50051', { servce: 'a' }, /did you mean service\?/],
    ['a tls typo', '127.0.0.1:50051', { tls: { servrname: 'a' } }, /did you mean servername\?/],
  ])('rejects %s before connecting', async (_, target, options, message) => {
    const error = await probeGrpc(target, options as never).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TargetError)
    expect(String(error)).toMatch(message)
  })
})
