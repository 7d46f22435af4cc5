// The search cluster this service queries (Elasticsearch or OpenSearch), seen from here: the
// seed of prodcheck was a Django service whose Elasticsearch queries failed from inside one
// deployment only. SEARCH_URL is the cluster's base URL; credentials in it are masked.
import { expect, test } from 'vitest'

test('the search cluster is green or yellow', { tags: ['smoke'] }, async () => {
  await expect(`${process.env.SEARCH_URL}/_cluster/health`).toRespondHttp({
    status: 200,
    json: { status: /^(green|yellow)$/, timed_out: false },
    maxLatencyMs: 1000,
  })
})

test('the products index answers a query, every shard included', { tags: ['diagnostic'] }, async () => {
  await expect(`${process.env.SEARCH_URL}/products/_search?size=0`).toRespondHttp({
    json: { timed_out: false, _shards: { failed: 0 } },
  })
})
