import { afterEach, describe, expect, test } from 'vitest'
import { probePostgres } from '../../src/probes/postgres.ts'
import { timed } from '../support/failure.ts'
import { watchHandles } from '../support/handles.ts'
import { freePort, type Running, startGarbage, startSilent } from '../support/servers.ts'

const PG = 'postgres://postgres@127.0.0.1:5432/test'
const servers: Running[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

describe('probePostgres against the local PostgreSQL', () => {
  test('connects, reports the server version, and closes', async () => {
    const handles = watchHandles()
    const result = await probePostgres(PG)
    expect(result).toMatchObject({ ok: true, target: PG, failures: [], observed: { engine: 'postgres' } })
    expect(result.observed.serverVersion).toMatch(/^\d+\.\d+/)
    expect(result.summary).toMatch(/^PostgreSQL \d+\.\d+.* accepted the connection$/)
    expect(await handles.leaked()).toEqual([])
  })

  test('runs the query and keeps the first rows', async () => {
    const result = await probePostgres(PG, { query: 'select n from generate_series(1, 8) as n' })
    expect(result.ok).toBe(true)
    expect(result.observed.rows).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }])
    expect(result.observed.rowCount).toBe(8)
  })

  test('names a missing database and says where to look', async () => {
    const result = await probePostgres('postgres://postgres@127.0.0.1:5432/no_such_db')
    expect(result.ok).toBe(false)
    expect(result.error).toEqual({
      code: '3D000',
      message: 'PostgreSQL at 127.0.0.1:5432 answered: database "no_such_db" does not exist',
      hint: 'the database does not exist: check the database name at the end of the DSN',
    })
  })

  test('names an unknown role, without the password it was given', async () => {
    const result = await probePostgres('postgres://ghost:Sup3r-S3cret-pw@127.0.0.1:5432/test')
    expect(result.ok).toBe(false)
    expect(result.error?.code).toBe('28000')
    expect(result.error?.message).toMatch(/role "ghost" does not exist/)
    expect(result.target).toBe('postgres://ghost:***@127.0.0.1:5432/test')
    expect(JSON.stringify(result)).not.toContain('Sup3r-S3cret-pw')
  })

  test('reports a failing query with its SQLSTATE', async () => {
    const result = await probePostgres(PG, { query: 'select * from no_such_table' })
    expect(result.error).toMatchObject({ code: '42P01', message: 'PostgreSQL at 127.0.0.1:5432 answered: relation "no_such_table" does not exist' })
  })

  test('fails a query slower than its deadline, and the connection is closed', async () => {
    const handles = watchHandles()
    const { value: result, ms } = await timed(() => probePostgres(PG, { query: 'select pg_sleep(3)', timeoutMs: 500 }))
    expect(ms).toBeLessThan(600)
    expect(result.error).toMatchObject({ code: 'ETIMEDOUT', message: 'no answer from 127.0.0.1:5432 within 500 ms while running the query' })
    expect(await handles.leaked()).toEqual([])
  })

  test('fails a connection over its latency budget', async () => {
    const result = await probePostgres(PG, { query: 'select pg_sleep(0.1)', maxLatencyMs: 20 })
    expect(result.ok).toBe(false)
    expect(result.failures[0]).toMatch(/^took \d+ ms, over the latency budget of 20 ms$/)
  })
})

describe('probePostgres and the DSN', () => {
  test('honours host and port given as DSN parameters, and names them in messages', async () => {
    expect((await probePostgres('postgres://postgres@127.0.0.1:1/test?host=127.0.0.1&port=5432')).ok).toBe(true)
    const port = await freePort()
    expect((await probePostgres(`postgres://postgres@127.0.0.1:5432/test?port=${port}`)).error?.message).toBe(
      `connection refused by 127.0.0.1:${port}`,
    )
  })

  test('rejects a host parameter that is not a host', async () => {
    await expect(probePostgres('postgres://u@h/test?host=$(id)')).rejects.toThrow(/the DSN names an invalid host "\$\(id\)"/)
  })

  test('turns an unreadable sslrootcert into a clear error', async () => {
    await expect(probePostgres('postgres://u:Pw-Secret-9@127.0.0.1/test?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem')).rejects.toThrow(
      /^the DSN cannot be used: .*no such file or directory.*\/nonexistent\/ca\.pem.* \(check its parameters/,
    )
  })

  test('answers with the last result of several statements', async () => {
    const result = await probePostgres(PG, { query: 'select 1 as a; select 2 as b' })
    expect(result.observed.rows).toEqual([{ b: 2 }])
  })
})

describe('probePostgres against misbehaving peers', () => {
  test('refused', async () => {
    const port = await freePort()
    expect((await probePostgres(`postgres://u@127.0.0.1:${port}/x`)).error?.code).toBe('ECONNREFUSED')
  })

  test('accepts and never answers: fails within the deadline, and the socket is closed', async () => {
    const silent = await startSilent()
    servers.push(silent)
    const handles = watchHandles()
    const { value: result, ms } = await timed(() => probePostgres(`postgres://u:pw-123456@127.0.0.1:${silent.port}/x`, { timeoutMs: 500 }))
    expect(ms).toBeLessThan(600)
    expect(await handles.leaked()).toEqual([])
    expect(result.error?.code).toBe('ETIMEDOUT')
    expect(result.error?.message).toBe(`no answer from 127.0.0.1:${silent.port} within 500 ms while connecting`)
  })

  test('speaks garbage: fails, does not hang', async () => {
    const garbage = await startGarbage()
    servers.push(garbage)
    const { value: result, ms } = await timed(() => probePostgres(`postgres://u@127.0.0.1:${garbage.port}/x`, { timeoutMs: 1000 }))
    expect(ms).toBeLessThan(1200)
    expect(result.ok).toBe(false)
  })

  test('TLS asked of a server without it', async () => {
    const result = await probePostgres('postgres://postgres@127.0.0.1:5432/test?sslmode=verify-full')
    expect(result.ok).toBe(false)
    expect(result.error?.code).toBe('ENOSSL')
    expect(result.error?.hint).toMatch(/sslmode/)
  })
})
