// Can this host reach its databases and cache, with its credentials? Each DSN comes from
// the environment, as the application reads it; the defaults are the local services.
import { expect, test } from 'vitest'

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

test('postgres accepts connections', { tags: ['smoke'] }, async () => {
  await expect(DATABASE_URL).toConnectToDatabase({ maxLatencyMs: 1000 })
})

test('postgres answers queries', { tags: ['diagnostic'] }, async () => {
  await expect(DATABASE_URL).toConnectToDatabase({ query: 'select 1' })
})

test('mariadb answers queries', { tags: ['smoke'] }, async () => {
  await expect(MYSQL_URL).toConnectToDatabase({ query: 'select 1' })
})

test('redis answers PING', { tags: ['smoke'] }, async () => {
  await expect(REDIS_URL).toConnectToDatabase()
})

test('redis reports its version', { tags: ['diagnostic'] }, async () => {
  await expect(REDIS_URL).toConnectToDatabase({ query: 'INFO server' })
})
