// The HTTP API this host serves (or depends on). API_URL is its health endpoint.
import { expect, test } from 'vitest'

test('api is up', { tags: ['smoke'] }, async () => {
  await expect(process.env.API_URL).toRespondHttp({ status: 200, maxLatencyMs: 500 })
})

test('api reports itself healthy, as JSON, uncached', { tags: ['diagnostic'] }, async () => {
  await expect(process.env.API_URL).toRespondHttp({
    json: { status: 'ok', checks: { db: 'up' } },
    headersMatch: { 'content-type': /^application\/json/, 'cache-control': /no-store/ },
  })
})
