// A query still running at the deadline is stopped on the server, not only abandoned by the
// client: against the real local PostgreSQL and MariaDB, the check fails at its deadline and
// the server has no such query left running right after (pg_stat_activity, the processlist).
import { randomBytes } from 'node:crypto'
import { createConnection } from 'mysql2/promise'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { probeDatabase } from '../../src/probes/database.ts'
import { LIMIT_MS, record, TIMEOUT_MS, writeRows } from './record.ts'

let postgres: pg.Client
let mariadb: Awaited<ReturnType<typeof createConnection>>
beforeAll(async () => {
  postgres = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' })
  await postgres.connect()
  mariadb = await createConnection({ uri: 'mysql://root@127.0.0.1:3306/test' })
})
afterAll(async () => {
  await postgres?.end()
  await mariadb?.end()
  writeRows(import.meta.filename)
})

/** Polls `running()` until it is false, for at most `withinMs`; returns how long it took, or undefined. */
async function goneWithin(running: () => Promise<boolean>, withinMs: number): Promise<number | undefined> {
  const started = performance.now()
  while (performance.now() - started < withinMs) {
    if (!(await running())) return performance.now() - started
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return undefined
}

describe('a query that outlives its deadline is cancelled on the server', () => {
  test.each([
    ['pg_sleep', (tag: string) => `select pg_sleep(6) /* ${tag} */`],
    ['a long generate_series', (tag: string) => `select count(*) from generate_series(1, 1000000000) /* ${tag} */`],
    ['several statements, the slow one last', (tag: string) => `select 1; select pg_sleep(6) /* ${tag} */`],
  ])('PostgreSQL: %s', async (name, query) => {
    const tag = `prodcheck-${randomBytes(4).toString('hex')}`
    const result = await probeDatabase('postgres://postgres@127.0.0.1:5432/test', { query: query(tag), timeoutMs: TIMEOUT_MS })
    expect(result.error).toMatchObject({ code: 'ETIMEDOUT', message: expect.stringMatching(/within 1000 ms while running the query/) })
    expect(result.latencyMs).toBeLessThan(LIMIT_MS)
    const active = async (): Promise<boolean> => (await postgres.query(`select count(*)::int as n from pg_stat_activity where state = 'active' and query like '%' || $1 || '%' and pid <> pg_backend_pid()`, [tag])).rows[0].n > 0
    const gone = await goneWithin(active, 1000)
    expect(gone, `the query ${tag} still runs on the server`).toBeDefined()
    record({ category: 'cancel', case: `PostgreSQL: ${name}`, check: 'toConnectToDatabase (postgres)', outcome: `ETIMEDOUT at the deadline; gone from pg_stat_activity ${Math.round(gone ?? 0)} ms later`, ms: result.latencyMs, limitMs: LIMIT_MS })
  })

  test.each([
    ['sleep', (tag: string) => `select sleep(6) /* ${tag} */`],
    ['a long benchmark', (tag: string) => `select benchmark(10000000000, md5('x')) /* ${tag} */`],
  ])('MariaDB: %s', async (name, query) => {
    const tag = `prodcheck-${randomBytes(4).toString('hex')}`
    const result = await probeDatabase('mysql://root@127.0.0.1:3306/test', { query: query(tag), timeoutMs: TIMEOUT_MS })
    expect(result.error).toMatchObject({ code: 'ETIMEDOUT', message: expect.stringMatching(/within 1000 ms while running the query/) })
    expect(result.latencyMs).toBeLessThan(LIMIT_MS)
    const running = async (): Promise<boolean> => {
      const [rows] = await mariadb.query('select count(*) as n from information_schema.processlist where info like ? and id <> connection_id()', [`%${tag}%`])
      return Number((rows as Array<{ n: number }>)[0]?.n) > 0
    }
    const gone = await goneWithin(running, 1000)
    expect(gone, `the query ${tag} still runs on the server`).toBeDefined()
    record({ category: 'cancel', case: `MariaDB: ${name}`, check: 'toConnectToDatabase (mysql)', outcome: `ETIMEDOUT at the deadline; gone from the processlist ${Math.round(gone ?? 0)} ms later`, ms: result.latencyMs, limitMs: LIMIT_MS })
  })

  test('a query that ends in time is not touched, and its connection is closed', async () => {
    const result = await probeDatabase('postgres://postgres@127.0.0.1:5432/test', { query: 'select pg_sleep(0.05)', timeoutMs: TIMEOUT_MS })
    expect(result.ok).toBe(true)
  })
})
