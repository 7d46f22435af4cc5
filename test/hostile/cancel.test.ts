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
  // should a cancellation have failed, nothing of this file goes on running on the servers
  await postgres
    ?.query("select pg_cancel_backend(pid) from pg_stat_activity where query like '%prodcheck-%' and pid <> pg_backend_pid()")
    .catch(() => {})
  const [rows] = (await mariadb
    ?.query("select id from information_schema.processlist where info like '%prodcheck-%' and id <> connection_id()")
    .catch(() => [[]])) ?? [[]]
  for (const { id } of rows as Array<{ id: number }>) await mariadb?.query(`kill query ${Number(id)}`).catch(() => {})
  await postgres?.end()
  await mariadb?.end()
  writeRows(import.meta.filename)
})

/** How long a cancelled query may take to leave the server's list. */
const GONE_WITHIN_MS = 5000

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
    ['pg_sleep', (tag: string) => `select pg_sleep(60) /* ${tag} */`],
    ['a long generate_series', (tag: string) => `select count(*) from generate_series(1, 1000000000) /* ${tag} */`],
    ['several statements, the slow one last', (tag: string) => `select 1; select pg_sleep(60) /* ${tag} */`],
  ])('PostgreSQL: %s', async (name, query) => {
    const tag = `prodcheck-${randomBytes(4).toString('hex')}`
    const result = await probeDatabase('postgres://postgres@127.0.0.1:5432/test', { query: query(tag), timeoutMs: TIMEOUT_MS })
    expect(result.error).toMatchObject({ code: 'ETIMEDOUT', message: expect.stringMatching(/within 1000 ms while running the query/) })
    expect(result.latencyMs).toBeLessThan(LIMIT_MS)
    expect(result.observed.cancelled, 'the cancel request was not sent in time').toBe(true)
    const active = async (): Promise<boolean> =>
      (
        await postgres.query(
          `select count(*)::int as n from pg_stat_activity where state = 'active' and query like '%' || $1 || '%' and pid <> pg_backend_pid()`,
          [tag],
        )
      ).rows[0].n > 0
    // cancelled, the query ends within moments (a loaded server may take a while to clean up
    // what it materialized); left alone, it would run for a minute or more
    const gone = await goneWithin(active, GONE_WITHIN_MS)
    expect(gone, `the query ${tag} still runs on the server`).toBeDefined()
    record({
      category: 'cancel',
      case: `PostgreSQL: ${name}`,
      check: 'toConnectToDatabase (postgres)',
      outcome: `ETIMEDOUT at the deadline; gone from pg_stat_activity ${Math.round(gone ?? 0)} ms later`,
      ms: result.latencyMs,
      limitMs: LIMIT_MS,
    })
  })

  test.each([
    ['sleep', (tag: string) => `select sleep(60) /* ${tag} */`],
    ['a long benchmark', (tag: string) => `select benchmark(10000000000, md5('x')) /* ${tag} */`],
  ])('MariaDB: %s', async (name, query) => {
    const tag = `prodcheck-${randomBytes(4).toString('hex')}`
    const result = await probeDatabase('mysql://root@127.0.0.1:3306/test', { query: query(tag), timeoutMs: TIMEOUT_MS })
    expect(result.error).toMatchObject({ code: 'ETIMEDOUT', message: expect.stringMatching(/within 1000 ms while running the query/) })
    expect(result.latencyMs).toBeLessThan(LIMIT_MS)
    expect(result.observed.cancelled, 'KILL QUERY did not succeed in time').toBe(true)
    const running = async (): Promise<boolean> => {
      const [rows] = await mariadb.query('select count(*) as n from information_schema.processlist where info like ? and id <> connection_id()', [
        `%${tag}%`,
      ])
      return Number((rows as Array<{ n: number }>)[0]?.n) > 0
    }
    const gone = await goneWithin(running, GONE_WITHIN_MS)
    expect(gone, `the query ${tag} still runs on the server`).toBeDefined()
    record({
      category: 'cancel',
      case: `MariaDB: ${name}`,
      check: 'toConnectToDatabase (mysql)',
      outcome: `ETIMEDOUT at the deadline; gone from the processlist ${Math.round(gone ?? 0)} ms later`,
      ms: result.latencyMs,
      limitMs: LIMIT_MS,
    })
  })

  test('a query that ends in time is not touched, and its connection is closed', async () => {
    const result = await probeDatabase('postgres://postgres@127.0.0.1:5432/test', { query: 'select pg_sleep(0.05)', timeoutMs: TIMEOUT_MS })
    expect(result.ok).toBe(true)
  })
})
