import { createConnection } from 'mysql2/promise'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { probeMysql } from '../../src/probes/mysql.ts'
import { timed } from '../support/failure.ts'
import { watchHandles } from '../support/handles.ts'
import { freePort, type Running, startGarbage, startSilent } from '../support/servers.ts'

const MYSQL = 'mysql://root@127.0.0.1:3306/test'
const USER = 'prodcheck_probe'
const PASSWORD = 'Right-Pass-42'
const servers: Running[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

beforeAll(async () => {
  const admin = await createConnection({ uri: MYSQL })
  await admin.query(`CREATE USER IF NOT EXISTS '${USER}'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'`)
  await admin.query(`GRANT SELECT ON test.* TO '${USER}'@'127.0.0.1'`)
  await admin.end()
})
afterAll(async () => {
  const admin = await createConnection({ uri: MYSQL })
  await admin.query(`DROP USER IF EXISTS '${USER}'@'127.0.0.1'`)
  await admin.end()
})

describe('probeMysql against the local MariaDB', () => {
  test('connects with a password, runs the query, and closes', async () => {
    const handles = watchHandles()
    const result = await probeMysql(`mysql://${USER}:${PASSWORD}@127.0.0.1:3306/test`, { query: 'select 1 as one' })
    expect(result).toMatchObject({
      ok: true,
      target: `mysql://${USER}:***@127.0.0.1:3306/test`,
      observed: { engine: 'mysql', rows: [{ one: 1 }], rowCount: 1 },
    })
    expect(result.summary).toMatch(/^MariaDB .* answered select 1 as one$/)
    expect(await handles.leaked()).toEqual([])
  })

  test('reads mariadb:// as mysql://', async () => {
    expect((await probeMysql('mariadb://root@127.0.0.1:3306/test')).ok).toBe(true)
  })

  test('fails on a wrong password with the server reply, password redacted', async () => {
    const result = await probeMysql(`mysql://${USER}:Wrong-Pass-99@127.0.0.1:3306/test`)
    expect(result.ok).toBe(false)
    expect(result.error).toMatchObject({ code: 'ER_ACCESS_DENIED_ERROR', hint: expect.stringMatching(/user or password is wrong/) })
    expect(result.error?.message).toMatch(/Access denied for user 'prodcheck_probe'/)
    expect(JSON.stringify(result)).not.toContain('Wrong-Pass-99')
  })

  test('names a missing database', async () => {
    expect((await probeMysql('mysql://root@127.0.0.1:3306/no_such_db')).error).toMatchObject({
      code: 'ER_BAD_DB_ERROR',
      message: "MySQL at 127.0.0.1:3306 answered: Unknown database 'no_such_db'",
    })
  })

  test('reports a failing query', async () => {
    expect((await probeMysql(MYSQL, { query: 'select * from no_such_table' })).error?.code).toBe('ER_NO_SUCH_TABLE')
  })

  test('fails a query slower than its deadline, and the connection is closed', async () => {
    const handles = watchHandles()
    const { value: result, ms } = await timed(() => probeMysql(MYSQL, { query: 'select sleep(3)', timeoutMs: 500 }))
    expect(ms).toBeLessThan(600)
    expect(result.error?.message).toBe('no answer from 127.0.0.1:3306 within 500 ms while running the query')
    expect(await handles.leaked()).toEqual([])
  })
})

describe('probeMysql against misbehaving peers', () => {
  test('refused', async () => {
    expect((await probeMysql(`mysql://root@127.0.0.1:${await freePort()}/x`)).error?.code).toBe('ECONNREFUSED')
  })

  test('accepts and never answers: fails within the deadline, and the socket is closed', async () => {
    const silent = await startSilent()
    servers.push(silent)
    const handles = watchHandles()
    const { value: result, ms } = await timed(() => probeMysql(`mysql://root@127.0.0.1:${silent.port}/x`, { timeoutMs: 500 }))
    expect(ms).toBeLessThan(600)
    expect(await handles.leaked()).toEqual([])
    expect(result.error).toMatchObject({ code: 'ETIMEDOUT', message: `no answer from 127.0.0.1:${silent.port} within 500 ms while connecting` })
  })

  test('speaks garbage: fails, does not hang', async () => {
    const garbage = await startGarbage()
    servers.push(garbage)
    const { value: result, ms } = await timed(() => probeMysql(`mysql://root@127.0.0.1:${garbage.port}/x`, { timeoutMs: 1000 }))
    expect(ms).toBeLessThan(1200)
    expect(result.ok).toBe(false)
  })
})
