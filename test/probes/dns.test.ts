import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { TargetError } from '../../src/core/errors.ts'
import { probeDns } from '../../src/probes/dns.ts'
import { type DnsServer, startDns } from '../support/dns.ts'
import { timed } from '../support/failure.ts'
import { watchHandles } from '../support/handles.ts'

let server: DnsServer
let resolver: string

beforeAll(async () => {
  server = await startDns({
    'api.test': {
      A: [{ address: '10.1.2.3' }, { address: '10.1.2.4' }],
      AAAA: [{ address: 'fd00::5' }],
      MX: [
        { exchange: 'mx2.api.test', priority: 20 },
        { exchange: 'mx1.api.test', priority: 10 },
      ],
      TXT: [{ data: 'v=spf1 -all' }],
    },
    'www.api.test': { CNAME: [{ domain: 'api.test' }] },
    '_sip._tcp.api.test': { SRV: [{ priority: 10, weight: 5, port: 5060, target: 'sip.api.test' }] },
    'servfail.test': { rcode: 'SERVFAIL' },
    'refused.test': { rcode: 'REFUSED' },
    'silent.test': { silent: true },
  })
  resolver = server.address
})
afterAll(async () => {
  await server?.close()
})

describe('probeDns against a real DNS server', () => {
  test('resolves A records and checks includes', async () => {
    const result = await probeDns('api.test', { servers: [resolver], includes: '10.1.2.4' })
    expect(result).toMatchObject({
      ok: true,
      target: 'api.test',
      summary: 'api.test A → 10.1.2.3, 10.1.2.4',
      observed: { type: 'A', records: ['10.1.2.3', '10.1.2.4'], servers: [resolver] },
    })
  })

  test.each([
    ['AAAA', 'api.test', 'fd00:0:0:0:0:0:0:5', ['fd00::5']],
    ['CNAME', 'www.api.test', 'API.test.', ['api.test']],
    ['MX', 'api.test', 'mx1.api.test', ['10 mx1.api.test', '20 mx2.api.test']],
    ['TXT', 'api.test', 'v=spf1 -all', ['v=spf1 -all']],
    ['SRV', '_sip._tcp.api.test', 'sip.api.test', ['10 5 5060 sip.api.test']],
  ] as const)('resolves %s records', async (type, name, includes, records) => {
    const result = await probeDns(name, { type, servers: [resolver], includes })
    expect(result.failures).toEqual([])
    expect(result.observed.records).toEqual(records)
  })

  test('fails when an expected value is not among the answers, listing them', async () => {
    const result = await probeDns('api.test', { servers: [resolver], includes: ['10.1.2.3', '10.9.9.9'] })
    expect(result.ok).toBe(false)
    expect(result.failures).toEqual(['A records of api.test do not include "10.9.9.9" (they are: 10.1.2.3, 10.1.2.4)'])
  })

  test('names NXDOMAIN, SERVFAIL, REFUSED and a missing record type', async () => {
    expect((await probeDns('nope.test', { servers: [resolver] })).error).toMatchObject({
      code: 'ENOTFOUND',
      message: 'nope.test does not exist (NXDOMAIN)',
    })
    expect((await probeDns('servfail.test', { servers: [resolver] })).error).toMatchObject({
      code: 'ESERVFAIL',
      message: `the DNS server (${resolver}) failed to answer for servfail.test (SERVFAIL)`,
    })
    expect((await probeDns('refused.test', { servers: [resolver] })).error).toMatchObject({
      code: 'EREFUSED',
      message: `the DNS server (${resolver}) refused to answer for refused.test (REFUSED)`,
    })
    expect((await probeDns('www.api.test', { type: 'TXT', servers: [resolver] })).error).toMatchObject({
      code: 'ENODATA',
      message: 'www.api.test exists but has no TXT record',
    })
  })

  test('fails within the deadline when the resolver never answers, and cancels the query', async () => {
    const handles = watchHandles()
    const { value: result, ms } = await timed(() => probeDns('silent.test', { servers: [resolver], timeoutMs: 400 }))
    expect(ms).toBeLessThan(480)
    expect(result.error).toMatchObject({ code: 'ETIMEDOUT', message: `no answer for silent.test within 400 ms from ${resolver}` })
    expect(await handles.leaked()).toEqual([])
  })

  test('asks only the servers given', async () => {
    const before = server.queries
    await probeDns('api.test', { servers: [resolver] })
    expect(server.queries).toBe(before + 1)
  })
})

describe('probeDns input', () => {
  test.each([
    ['10.0.0.1', {}, /is not a DNS name/],
    ['$(id).example.com', {}, /is not a DNS name/],
    ['api.test', { type: 'PTR' }, /type must be one of A, AAAA, CNAME, MX, TXT, SRV/],
    ['api.test', { servers: ['dns.google'] }, /must be an IP address/],
    ['api.test', { servers: [] }, /servers must be a non-empty list/],
    ['api.test', { includes: [''] }, /includes must be a string/],
  ])('rejects %j with %j', async (name, options, message) => {
    const error = await probeDns(name, options as never).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TargetError)
    expect(String(error)).toMatch(message)
  })
})
