import { describe, expect, test } from 'vitest'
import { SetupError, TargetError } from '../../src/core/errors.ts'
import { importDriver } from '../../src/core/drivers.ts'
import { DATABASE_SCHEMES, probeDatabase } from '../../src/probes/database.ts'

describe('probeDatabase', () => {
  test.each([
    ['postgres://postgres@127.0.0.1:5432/test', 'postgres'],
    ['postgresql://postgres@127.0.0.1:5432/test', 'postgres'],
    ['mysql://root@127.0.0.1:3306/test', 'mysql'],
    ['mariadb://root@127.0.0.1:3306/test', 'mysql'],
    ['redis://127.0.0.1:6379', 'redis'],
    ['REDIS://127.0.0.1:6379', 'redis'],
  ])('dispatches %s to the %s probe', async (dsn, engine) => {
    const result = await probeDatabase(dsn)
    expect(result.ok).toBe(true)
    expect(result.observed.engine).toBe(engine)
  })

  test('lists the supported schemes for an unknown one, password masked', async () => {
    const error = await probeDatabase('mongodb://admin:Mongo-Pass-1@db:27017/app').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TargetError)
    expect((error as Error).message).toBe(
      '"mongodb://admin:***@db:27017/app" is not a supported DSN: use one of postgres://, postgresql://, mysql://, mariadb://, redis://, rediss:// (e.g. postgres://user:password@host:5432/db)',
    )
    expect(DATABASE_SCHEMES).toHaveLength(6)
  })

  test.each([undefined, '', 'db.internal:5432', 'postgres://db/\nx'])('rejects %j before connecting', async (dsn) => {
    await expect(probeDatabase(dsn)).rejects.toThrow(TargetError)
  })

  test('rejects an empty query', async () => {
    await expect(probeDatabase('postgres://postgres@127.0.0.1:5432/test', { query: ' ' })).rejects.toThrow(
      'query must be a non-empty string, got " "',
    )
  })
})

describe('importDriver', () => {
  test('says which package to install when an optional driver is missing', async () => {
    const error = await importDriver(() => import('prodcheck-no-such-driver' as string), 'prodcheck-no-such-driver', 'nosuch://').catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(SetupError)
    expect((error as Error).message).toBe('install prodcheck-no-such-driver to check nosuch:// targets (npm i prodcheck-no-such-driver)')
  })

  test('lets other load errors through', async () => {
    await expect(importDriver(() => Promise.reject(new Error('boom')), 'x', 'x://')).rejects.toThrow('boom')
  })
})
