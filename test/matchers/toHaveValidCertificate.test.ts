import { X509Certificate } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createCa, startTls } from '../support/certificates.ts'
import { failureOf } from '../support/failure.ts'
import type { Running } from '../support/servers.ts'

const ca = createCa()
const leaf = ca.issue({ cn: 'localhost', altNames: ['localhost'] })
let valid: Running
let expiring: Running
beforeAll(async () => {
  valid = await startTls(leaf)
  expiring = await startTls(ca.issue({ cn: 'localhost', altNames: ['localhost'], validFromDays: -360, validForDays: 365 }))
})
afterAll(async () => {
  await valid?.close()
  await expiring?.close()
})

describe('toHaveValidCertificate', () => {
  test('passes a valid certificate', async () => {
    await expect(`localhost:${valid.port}`).toHaveValidCertificate({ ca: ca.cert, minDaysLeft: 30 })
  })

  test('fails a certificate about to expire, with its dates and days left', async () => {
    const message = await failureOf(expect(`localhost:${expiring.port}`).toHaveValidCertificate({ ca: ca.cert, minDaysLeft: 14 }))
    expect(message).toContain('expected  a trusted certificate, valid now, for the host, expiring in 14 days or more')
    expect(message).toMatch(/failed {4}expires on \d{4}-\d\d-\d\d \d\d:\d\d UTC, in 4 days: fewer than the 14 asked, renew it/)
    expect(message).toMatch(/validity {2}\d{4}-\d\d-\d\d → \d{4}-\d\d-\d\d \(4 days left\)/)
    expect(message).toContain('names     DNS:localhost')
  })

  test('records the certificate as typed facts: expiry, chain expiry, TLS version, leaf names, serial, fingerprint', async ({ task }) => {
    await expect(`localhost:${valid.port}`).toHaveValidCertificate({ ca: ca.cert })
    const x509 = new X509Certificate(leaf.cert)
    const notAfter = new Date(x509.validTo).toISOString()
    expect(task.meta.prodcheck?.[0]?.facts).toEqual({
      notAfter,
      daysLeft: expect.any(Number),
      earliestNotAfter: notAfter,
      protocol: 'TLSv1.3',
      subject: 'CN=localhost',
      issuer: 'CN=prodcheck test CA',
      serial: x509.serialNumber.toLowerCase(),
      fingerprintSha256: x509.fingerprint256.replace(/:/g, '').toLowerCase(),
    })
    expect(task.meta.prodcheck?.[0]?.facts.fingerprintSha256).toMatch(/^[\da-f]{64}$/)
  })

  test('.not passes for an untrusted certificate', async () => {
    await expect(`localhost:${valid.port}`).not.toHaveValidCertificate()
  })
})
