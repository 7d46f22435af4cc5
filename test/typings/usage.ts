// What a check file writes: no import beyond 'vitest'. Compiled by typings.test.ts with and
// without the prodcheck augmentation; every @ts-expect-error must be a real error.
import { expect, expectTypeOf } from 'vitest'

export async function checks(): Promise<void> {
  await expect('https://api.example.com/health').toRespondHttp({ status: 200, maxLatencyMs: 300 })
  await expect('https://api.example.com/health').toRespondHttp({
    status: ['2xx', 301],
    json: { status: 'ok', version: /^2\./ },
    headersMatch: { 'content-type': /json/ },
  })
  await expect('https://api.example.com/health').toRespondHttp({
    method: 'POST',
    headers: { 'x-a': 'b' },
    body: { ping: true },
    tls: { rejectUnauthorized: false },
    followRedirects: 3,
  })
  await expect('10.0.0.5').toBePingable({ count: 3, timeoutMs: 2000 })
  await expect(process.env.DATABASE_URL).toConnectToDatabase({ query: 'select 1' })
  await expect('redis://cache:6379').not.toConnectToDatabase()

  await expect('db.internal:5432').toAcceptTcp({ maxLatencyMs: 50 })
  await expect('api.example.com').toResolveDns({ type: 'MX', includes: ['mx1.example.com'], servers: ['10.0.0.2:53'] })
  await expect('api.example.com').toHaveValidCertificate({ minDaysLeft: 14, servername: 'api.example.com' })
  await expect(process.env.SMTP_URL).toAcceptMail({ requireTls: true, auth: { user: 'u', pass: 'p' } })
  await expect(process.env.AMQP_URL).toConnectToBroker({ timeoutMs: 2000 })
  await expect('bastion:22').toAcceptTcp({ expect: /^SSH-2\.0-/, send: Buffer.from('x'), tls: true })
  await expect('grpcs://orders:443').toBeServingGrpc({ service: 'orders.v1.Orders', tls: { servername: 'orders.internal' } })
  await expect('wss://push.example.com/socket').toAcceptWebSocket({
    protocols: ['v2'],
    send: 'ping',
    expectMessage: /pong/,
    headers: { authorization: 'Bearer x' },
  })
  await expect('https://cdn.example.com/').toRespondHttp({ http2: true })
  expect(process.env).toHaveEnv(['DATABASE_URL'])
  expect(process.env).toHaveEnv({ PORT: /^\d+$/, NODE_ENV: (value) => value === 'production' })
  expect(process.version).toSatisfyVersion('>=20.11')

  expectTypeOf(expect('x').toRespondHttp()).toEqualTypeOf<Promise<void>>()
  expectTypeOf(expect(process.env).toHaveEnv(['A'])).toEqualTypeOf<void>()

  // @ts-expect-error status must be a code, a class like '2xx', or a list
  await expect('https://x').toRespondHttp({ status: 'ok' })
  // @ts-expect-error count is a number
  await expect('10.0.0.5').toBePingable({ count: '3' })
  // @ts-expect-error unknown option
  await expect('postgres://db/app').toConnectToDatabase({ sql: 'select 1' })
  // @ts-expect-error DNS type must be one of the supported ones
  await expect('x.example').toResolveDns({ type: 'PTR' })
  // @ts-expect-error expectMessage is a string or a RegExp
  await expect('ws://x/').toAcceptWebSocket({ expectMessage: 42 })
  // @ts-expect-error service is a string
  await expect('grpc://x:1').toBeServingGrpc({ service: true })
  // @ts-expect-error the range is a string
  expect(process.version).toSatisfyVersion(20)
}
