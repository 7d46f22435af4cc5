// Network reachability and naming, seen from this host.
import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'

const ca = process.env.TLS_CA_FILE ? readFileSync(process.env.TLS_CA_FILE) : undefined

test('gateway answers ping', { tags: ['diagnostic'] }, async () => {
  await expect(process.env.PING_HOST).toBePingable({ count: 2 })
})

test('database port is open from here', { tags: ['diagnostic'] }, async () => {
  const { hostname, port } = new URL(process.env.DATABASE_URL ?? '')
  await expect(`${hostname}:${port || 5432}`).toAcceptTcp({ maxLatencyMs: 200 })
})

test('the api name resolves', { tags: ['diagnostic'] }, async () => {
  await expect(process.env.DNS_NAME).toResolveDns({ type: 'A', servers: process.env.DNS_SERVER ? [process.env.DNS_SERVER] : undefined })
})

test('the TLS certificate is valid for two more weeks', { tags: ['smoke'] }, async () => {
  await expect(process.env.TLS_HOST).toHaveValidCertificate({ minDaysLeft: 14, ca })
})
