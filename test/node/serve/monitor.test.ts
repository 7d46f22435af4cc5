import { describe, expect, test } from 'vitest'
import { mergeTiers, newlyFailed, STALE_INTERVALS } from '../../../src/node/serve/monitor.ts'
import type { CachedCheck, Snapshot } from '../../../src/node/serve/scheduler.ts'
import { aFailingRecord, aResult } from '../../support/results.ts'

const check = (name: string, file: string, failing = false): CachedCheck => ({
  ...aResult({ name, id: `${name}-id`, file, checks: failing ? [aFailingRecord()] : undefined }),
  lastChange: '2026-12-05T00:00:00.000Z',
})
const snapshot = (checks: CachedCheck[], finishedAt: string, runs = 1): Snapshot => ({ runs, running: false, finishedAt, checks, errors: [] })

describe('mergeTiers', () => {
  const now = Date.parse('2026-12-05T00:10:00.000Z')
  const smoke = snapshot([check('api', 'b.test.ts'), check('db', 'a.test.ts')], '2026-12-05T00:09:59.000Z', 20)
  const diagnostic = snapshot([check('api json', 'b.test.ts')], '2026-12-05T00:08:00.000Z', 2)

  test('every check of both tiers, file by file, the runs of both, the latest run’s times', () => {
    const merged = mergeTiers(
      [
        { tier: 'smoke', snapshot: smoke, intervalMs: 1000 },
        { tier: 'diagnostic', snapshot: diagnostic, intervalMs: 5 * 60_000 },
      ],
      now,
    )
    expect(merged.checks.map((c) => c.name)).toEqual(['db', 'api', 'api json'])
    expect(merged).toMatchObject({ runs: 22, running: false, finishedAt: '2026-12-05T00:09:59.000Z' })
    expect(merged.stale).toBeUndefined()
  })

  test(`results older than ${STALE_INTERVALS} intervals of their tier are stale, and say so`, () => {
    const merged = mergeTiers([{ tier: 'smoke', snapshot: smoke, intervalMs: 300 }], now)
    expect(merged.stale).toBe('the smoke results are 1000 ms old, over 3 intervals of 300 ms: no run has completed since')
    expect(mergeTiers([{ tier: 'smoke', snapshot: smoke, intervalMs: 400 }], now).stale).toBeUndefined()
  })
})

describe('newlyFailed', () => {
  test('the checks that turned from pass to fail, not those that failed already or are new', () => {
    const before = snapshot([check('api', 'a'), check('db', 'a', true)], '')
    const after = snapshot([check('api', 'a', true), check('db', 'a', true), check('new', 'a', true)], '')
    expect(newlyFailed(before, after)).toEqual(['api'])
  })
})
