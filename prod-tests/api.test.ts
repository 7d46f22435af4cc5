// Checks of an HTTP API. API_URL is the service's health endpoint; in this repository a
// demo API stands in for it (test/fixtures/demo-api.ts).
import { expect, test } from 'vitest'

const API_URL = process.env.API_URL ?? 'http://127.0.0.1:8080/health'

test('api is up', { tags: ['smoke'] }, async () => {
  await expect(API_URL).toRespondHttp({ status: 200, maxLatencyMs: 500 })
})

test('api reports itself healthy, as JSON, uncached', { tags: ['diagnostic'] }, async () => {
  await expect(API_URL).toRespondHttp({
    json: { status: 'ok', checks: { db: 'up' } },
    headersMatch: { 'content-type': /^application\/json/, 'cache-control': /no-store/ },
  })
})
