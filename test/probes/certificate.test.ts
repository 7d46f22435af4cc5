import { generateKeyPairSync, X509Certificate } from 'node:crypto'
import forge from 'node-forge'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { TargetError } from '../../src/core/errors.ts'
import { probeCertificate } from '../../src/probes/certificate.ts'
import { createCa, type Issued, selfSigned, startTls } from '../support/certificates.ts'
import { timed } from '../support/failure.ts'
import { watchHandles } from '../support/handles.ts'
import { freePort, type Running, startSilent } from '../support/servers.ts'

const ca = createCa()
const LOCAL = ['localhost', '127.0.0.1']
// a CA whose name needs RFC 4514 escapes; it lives 3650 days, its leaf 5000: the chain expires with the CA
const oddCa = createCa('Example, Inc. "root" + CA')
const certificates: Record<string, Issued> = {
  valid: ca.issue({ cn: 'localhost', altNames: LOCAL }),
  expired: ca.issue({ cn: 'localhost', altNames: LOCAL, validFromDays: -60, validForDays: 30 }),
  notYetValid: ca.issue({ cn: 'localhost', altNames: LOCAL, validFromDays: 10, validForDays: 365 }),
  expiringSoon: ca.issue({ cn: 'localhost', altNames: LOCAL, validFromDays: -360, validForDays: 365 }),
  wrongHost: ca.issue({ cn: 'other.example', altNames: ['other.example'] }),
  selfSigned: selfSigned('localhost', LOCAL),
  outlivesItsCa: oddCa.issue({ cn: 'localhost', altNames: LOCAL, validForDays: 5000 }),
  manyNames: withNames([
    ['C', 'FR'],
    ['O', 'Example'],
    ['OU', 'web'],
    ['OU', 'edge'],
    ['CN', ' #localhost; '],
  ]),
}
const servers: Record<string, Running> = {}

beforeAll(async () => {
  for (const [name, issued] of Object.entries(certificates)) servers[name] = await startTls(issued)
})
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s.close()))
})

const at = (name: string): string => `localhost:${servers[name]?.port}`

/** A self-signed certificate for localhost whose subject has these attributes, in this order. */
function withNames(attributes: Array<[string, string]>): Issued {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e)
  cert.serialNumber = '00ff10'
  cert.validity.notBefore = new Date(Date.now() - 86_400_000)
  cert.validity.notAfter = new Date(Date.now() + 30 * 86_400_000)
  const names = attributes.map(([shortName, value]) => ({ shortName, value }))
  cert.setSubject(names)
  cert.setIssuer(names)
  cert.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }])
  cert.sign(key, forge.md.sha256.create())
  return { key: privateKey, cert: forge.pki.certificateToPem(cert) }
}

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

  test('records the leaf as blackbox_exporter labels it: names, serial, SHA-256 fingerprint', async () => {
    const result = await probeCertificate(at('valid'), { ca: ca.cert })
    const leaf = new X509Certificate(certificates.valid?.cert ?? '')
    expect(result.observed).toMatchObject({
      subjectName: 'CN=localhost',
      issuerName: 'CN=prodcheck test CA',
      serialNumber: leaf.serialNumber.toLowerCase(),
      fingerprint256: leaf.fingerprint256,
    })
    expect(result.observed.serialNumber).toMatch(/^[\da-f]{2,}$/)
  })

  test('writes names as RFC 4514 does: most specific first, special characters escaped', async () => {
    const many = await probeCertificate(at('manyNames'))
    expect(many.observed.subjectName).toBe('CN=\\ #localhost\\;\\ ,OU=edge,OU=web,O=Example,C=FR')
    expect(many.observed.issuerName).toBe(many.observed.subjectName)
    // the serial as OpenSSL and Go print it: bytes in hex, no leading zero byte
    expect(many.observed.serialNumber).toBe('ff10')
    const odd = await probeCertificate(at('outlivesItsCa'), { ca: oddCa.cert })
    expect(odd.observed.issuerName).toBe('CN=Example\\, Inc. \\"root\\" \\+ CA')
  })

  test('records the earliest expiry of the chain: the leaf, or the CA when the leaf outlives it', async () => {
    const valid = await probeCertificate(at('valid'), { ca: ca.cert })
    expect(valid.observed.chainValidTo).toBe(valid.observed.validTo)
    const outliving = await probeCertificate(at('outlivesItsCa'), { ca: oddCa.cert })
    const caExpiry = new Date(new X509Certificate(oddCa.cert).validTo).toISOString()
    expect(outliving.observed.chainValidTo).toBe(caExpiry)
    expect(Date.parse(outliving.observed.validTo ?? '')).toBeGreaterThan(Date.parse(caExpiry))
    // without the CA at hand, the chain is the leaf alone
    expect((await probeCertificate(at('outlivesItsCa'))).observed.chainValidTo).toBe(outliving.observed.validTo)
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
