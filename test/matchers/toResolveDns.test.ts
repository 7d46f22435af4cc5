import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type DnsServer, startDns } from '../support/dns.ts'
import { failureOf } from '../support/failure.ts'

let server: DnsServer
let resolver: string

beforeAll(async () => {
  server = await startDns({ 'api.test': { A: [{ address: '10.1.2.3' }] } })
  resolver = server.address
})
afterAll(async () => {
  await server?.close()
})

describe('toResolveDns', () => {
  test('passes when the name resolves to what is expected', async () => {
    await expect('api.test').toResolveDns({ servers: [resolver], includes: '10.1.2.3' })
  })

  test('fails with the records seen and what was missing', async () => {
    const message = await failureOf(expect('api.test').toResolveDns({ servers: [resolver], includes: '10.9.9.9' }))
    expect(message).toContain(`expected  A records including "10.9.9.9" from ${resolver}`)
    expect(message).toContain('failed    A records of api.test do not include "10.9.9.9" (they are: 10.1.2.3)')
    expect(message).toContain('records   10.1.2.3')
  })

  test('names NXDOMAIN; .not passes for a name that must not exist', async () => {
    const message = await failureOf(expect('gone.test').toResolveDns({ servers: [resolver] }))
    expect(message).toContain('observed  ENOTFOUND: gone.test does not exist (NXDOMAIN)')
    await expect('gone.test').not.toResolveDns({ servers: [resolver] })
  })
})
