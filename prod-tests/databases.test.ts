// Can this host reach its databases and cache, with its credentials?
import { expect, test } from 'vitest'
import { probeDatabase } from 'prodcheck'

test('postgres accepts connections', { tags: ['smoke'] }, async () => {
  await expect(process.env.DATABASE_URL).toConnectToDatabase({ maxLatencyMs: 1000 })
})

test('postgres answers queries, and is a supported version', { tags: ['diagnostic'] }, async () => {
  await expect(process.env.DATABASE_URL).toConnectToDatabase({ query: 'select 1' })
  const { observed } = await probeDatabase(process.env.DATABASE_URL)
  expect(observed.serverVersion).toSatisfyVersion('>=13')
})

test('mariadb answers queries', { tags: ['smoke'] }, async () => {
  await expect(process.env.MYSQL_URL).toConnectToDatabase({ query: 'select 1' })
})

test('redis answers PING', { tags: ['smoke'] }, async () => {
  await expect(process.env.REDIS_URL).toConnectToDatabase()
})

test('redis reports its version', { tags: ['diagnostic'] }, async () => {
  await expect(process.env.REDIS_URL).toConnectToDatabase({ query: 'INFO server' })
})
