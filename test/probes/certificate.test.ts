import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { TargetError } from '../../src/core/errors.ts'
import { probeCertificate } from '../../src/probes/certificate.ts'
import { createCa, type Issued, selfSigned, startTls } from '../support/certificates.ts'
import { timed } from '../support/failure.ts'
import { watchHandles } from '../support/handles.ts'
import { freePort, type Running, startSilent } from '../support/servers.ts'

const ca = createCa()
const LOCAL = ['localhost', '127.0.0.1']
const certificates: Record<string, Issued> = {
  valid: ca.issue({ cn: 'localhost', altNames: LOCAL }),
  expired: ca.issue({ cn: 'localhost', altNames: LOCAL, validFromDays: -60, validForDays: 30 }),
  notYetValid: ca.issue({ cn: 'localhost', altNames: LOCAL, validFromDays: 10, validForDays: 365 }),
  expiringSoon: ca.issue({ cn: 'localhost', altNames: LOCAL, validFromDays: -360, validForDays: 365 }),
  wrongHost: ca.issue({ cn: 'other.example', altNames: ['other.example'] }),
  selfSigned: selfSigned('localhost', LOCAL),
}
const servers: Record<string, Running> = {}

beforeAll(async () => {
  for (const [name, issued] of Object.entries(certificates)) servers[name] = await startTls(issued)
})
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s.close()))
})

const at = (name: string): string => `localhost:${servers[name]?.port}`

describe('probeCertificate', () => {
  test('passes a trusted, valid certificate for the host, and describes it', async () => {
    const handles = watchHandles()
    const result = await probeCertificate(at('valid'), { ca: ca.cert, minDaysLeft: 14 })
    expect(result.failures).toEqual([])
    expect(result).toMatchObject({
      ok: true,
      observed: { subject: 'localhost', issuer: 'prodcheck test CA', trusted: true, altNames: ['DNS:localhost', 'IP Address:127.0.0.1'] },
    })
    expect(result.observed.daysLeft).toBeGreaterThan(300)
    expect(result.summary).toMatch(/^CN=localhost valid until \d{4}-\d\d-\d\d \(\d+ days left\), issued by prodcheck test CA$/)
    expect(await handles.leaked()).toEqual([])
  })

  test('fails an expired certificate, with the date and the days since', async () => {
    const result = await probeCertificate(at('expired'), { ca: ca.cert })
    expect(result.failures).toEqual([expect.stringMatching(/^expired on \d{4}-\d\d-\d\d \d\d:\d\d UTC, 30 days ago: renew it$/)])
  })

  test('fails a certificate not valid yet', async () => {
    const result = await probeCertificate(at('notYetValid'), { ca: ca.cert })
    expect(result.failures).toEqual([
      expect.stringMatching(/^not valid before \d{4}-\d\d-\d\d \d\d:\d\d UTC, in 10 days: check its notBefore date and the clocks$/),
    ])
  })

  test('fails a certificate with fewer days left than asked, and passes it when fewer are asked', async () => {
    const result = await probeCertificate(at('expiringSoon'), { ca: ca.cert, minDaysLeft: 14 })
    expect(result.failures).toEqual([
      expect.stringMatching(/^expires on \d{4}-\d\d-\d\d \d\d:\d\d UTC, in 4 days: fewer than the 14 asked, renew it$/),
    ])
    expect(result.observed.daysLeft).toBe(4)
    // expiring soon is a failure, not a reason to call the chain untrusted
    expect(result.observed.trusted).toBe(true)
    expect((await probeCertificate(at('expiringSoon'), { ca: ca.cert, minDaysLeft: 3 })).ok).toBe(true)
  })

  test('fails a certificate for another host, naming what it covers', async () => {
    const result = await probeCertificate(at('wrongHost'), { ca: ca.cert })
    expect(result.failures).toEqual(['not valid for localhost: it covers DNS:other.example'])
    expect(result.observed.trusted).toBe(false)
    expect((await probeCertificate(`127.0.0.1:${servers.wrongHost?.port}`, { ca: ca.cert, servername: 'other.example' })).ok).toBe(true)
  })

  test('fails a self-signed certificate, and an untrusted chain', async () => {
    expect((await probeCertificate(at('selfSigned'))).failures).toEqual(['not trusted: the certificate is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT)'])
    expect((await probeCertificate(at('valid'))).failures).toEqual([
      expect.stringMatching(/^not trusted: .*\((UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)$/),
    ])
  })

  test('reports the dates and the name together', async () => {
    const result = await probeCertificate(`127.0.0.1:${servers.expired?.port}`, { servername: 'api.example.com' })
    expect(result.failures).toEqual([
      expect.stringMatching(/^expired on /),
      'not valid for api.example.com: it covers DNS:localhost, IP Address:127.0.0.1',
    ])
  })

  test('accepts an https URL and IPv4 targets', async () => {
    expect((await probeCertificate(`https://localhost:${servers.valid?.port}/health`, { ca: ca.cert })).ok).toBe(true)
    expect((await probeCertificate(`127.0.0.1:${servers.valid?.port}`, { ca: ca.cert })).ok).toBe(true)
  })

  test('fails within the deadline when the handshake never completes, saying so', async () => {
    const silent = await startSilent()
    try {
      const handles = watchHandles()
      const { value: result, ms } = await timed(() => probeCertificate(`127.0.0.1:${silent.port}`, { timeoutMs: 400 }))
      expect(ms).toBeLessThan(480)
      expect(result.error).toMatchObject({
        code: 'ETIMEDOUT',
        message: `connected to 127.0.0.1:${silent.port}, but the TLS handshake did not complete within 400 ms`,
      })
      await silent.close()
      expect(await handles.leaked()).toEqual([])
    } finally {
      await silent.close()
    }
  })

  test('reports a refused port', async () => {
    expect((await probeCertificate(`127.0.0.1:${await freePort()}`)).error?.code).toBe('ECONNREFUSED')
  })

  test.each([
    [{ minDaysLeft: -1 }, /minDaysLeft must be a number of days/],
    [{ servername: '10.0.0.1' }, /servername must be a DNS name/],
  ])('rejects %j', async (options, message) => {
    const error = await probeCertificate('localhost:443', options).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TargetError)
    expect(String(error)).toMatch(message)
  })
})
