// The TAP report, read by its consumers: the `tap-parser` package (node-tap's) and Perl's
// `prove`. Counts, failures and the YAML diagnostics of each test point must come through.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type FinalResults, Parser } from 'tap-parser'
import { describe, expect, test } from 'vitest'
import { tap } from '../../../src/node/reporter/tap.ts'
import { aFailingRecord, aRecord, aRefusedRecord, aResult } from '../../support/results.ts'

const WARNING = 'latency 240 ms over the 200 ms warning budget (warnLatencyMs)'
const results = [
  aResult({ name: 'api is up', budgetMs: 300, warnBudgetMs: 200 }),
  aResult({ name: 'api is healthy', checks: [aFailingRecord()] }),
  aResult({ name: 'db #1 reachable', tier: 'diagnostic', tags: [], checks: [aRecord(), aRefusedRecord({ latencyMs: 2.5 })] }),
  aResult({ name: 'api is quick', checks: [aRecord({ status: 'warn', latencyMs: 240, warnings: [WARNING] })] }),
  aResult({ name: "it's a\\trap", checks: [], status: 'fail', cause: ['hooks: beforeAll broke'], message: 'hooks: beforeAll broke' }),
  aResult({ name: 'left out', tier: 'diagnostic', tags: [], status: 'skip', skipReason: 'filtered', checks: [] }),
  aResult({ name: 'skipped here', status: 'skip', skipReason: 'skipped', checks: [] }),
  aResult({ name: 'to write', status: 'skip', skipReason: 'todo', checks: [] }),
]
const report = tap(results, [])

function parse(text: string): Promise<{ final: FinalResults; points: Array<{ id: number; name: string; ok: boolean; diag: unknown }> }> {
  return new Promise((resolve) => {
    const points: Array<{ id: number; name: string; ok: boolean; diag: unknown }> = []
    const parser = new Parser((final) => resolve({ final, points }))
    parser.on('assert', (point: { id: number; name: string; ok: boolean; diag: unknown }) => points.push(point))
    parser.end(text)
  })
}

describe('TAP: tap-parser', () => {
  test('version 13, the plan, every test a point: counts as the run had them', async () => {
    expect(report.split('\n').slice(0, 2)).toEqual(['TAP version 13', '1..8'])
    const { final } = await parse(report)
    // tap-parser counts the todo among the failing points, and the skipped ones among the passing
    expect(final).toMatchObject({ ok: false, count: 8, pass: 4, fail: 4, skip: 2, todo: 1 })
    expect(final.plan).toMatchObject({ start: 1, end: 8 })
    expect(final.failures.map((f) => [f.id, f.name])).toEqual([
      [2, 'api is healthy (prod-tests/api.test.ts)'],
      [3, 'db #1 reachable (prod-tests/api.test.ts)'],
      [5, "it's a\\trap (prod-tests/api.test.ts)"],
    ])
  })

  test('names keep their # and backslashes; filtered checks are # SKIP, test.todo is # TODO', async () => {
    const { points } = await parse(report)
    expect(points.map((p) => p.name)).toContain('db #1 reachable (prod-tests/api.test.ts)')
    expect(report).toMatch(/^ok 6 - left out \(prod-tests\/api\.test\.ts\) # SKIP not selected$/m)
    expect(report).toMatch(/^ok 7 - skipped here \(prod-tests\/api\.test\.ts\) # SKIP skipped in its file$/m)
    expect(report).toMatch(/^not ok 8 - to write \(prod-tests\/api\.test\.ts\) # TODO$/m)
  })

  test('every test point that ran has its latency as a YAML field, not in its description', async () => {
    const { points } = await parse(report)
    const ran = points.filter((p) => p.id <= 5)
    expect(ran.map((p) => (p.diag as { latency_ms?: number } | null)?.latency_ms)).toEqual([12, 12, 14.5, 240, undefined])
    expect(ran[0]?.diag).toMatchObject({ status: 'pass', tier: 'smoke', max_latency_ms: 300, warn_latency_ms: 200 })
    for (const point of points) expect(point.name).not.toMatch(/time=|ms\b/)
  })

  test('a failing point carries the record of each failing check: target, expected, failures, error code, hint, latency', async () => {
    const { final } = await parse(report)
    expect(final.failures[0]?.diag).toMatchObject({
      message: 'toRespondHttp http://api.internal/health: status 503, expected 2xx',
      severity: 'fail',
      cause: [
        'toRespondHttp http://api.internal/health: status 503, expected 2xx',
        'toRespondHttp http://api.internal/health: JSON status is "down", expected "ok"',
      ],
      checks: [
        {
          matcher: 'toRespondHttp',
          target: 'http://api.internal/health',
          expected: 'GET → status 2xx',
          observed: 'HTTP 503 Service Unavailable',
          failures: ['status 503, expected 2xx', 'JSON status is "down", expected "ok"'],
          latency_ms: 12,
        },
      ],
    })
    expect(final.failures[1]?.diag).toMatchObject({
      checks: [
        {
          matcher: 'toConnectToDatabase',
          target: 'postgres://app:***@db:5432/app',
          latency_ms: 2.5,
          error: {
            code: 'ECONNREFUSED',
            message: 'connection refused by db:5432',
            hint: 'nothing is listening there: is the service running, and are host and port right?',
          },
        },
      ],
    })
  })

  test('a degraded point passes, with its reason; errors outside any check are failing points', async () => {
    const { points } = await parse(report)
    expect(points[3]).toMatchObject({ ok: true, diag: { severity: 'warn', message: `toRespondHttp http://api.internal/health: ${WARNING}` } })
    const { final } = await parse(tap(results.slice(0, 1), ['prod-tests/bad.test.ts: Transform failed with 1 error']))
    expect(final).toMatchObject({ count: 2, fail: 1 })
    expect(final.failures[0]).toMatchObject({ name: 'the run', diag: { message: 'prod-tests/bad.test.ts: Transform failed with 1 error' } })
  })
})

describe('TAP: prove', () => {
  test('reads the same counts and failures', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodcheck-tap-'))
    writeFileSync(join(dir, 'run.tap'), report)
    const run = spawnSync('prove', ['--exec', 'cat', '--verbose', join(dir, 'run.tap')], { encoding: 'utf8' })
    expect(run.status, run.stdout + run.stderr).not.toBe(0)
    expect(run.stdout).toMatch(/Failed tests?: {1,2}2-3, 5\b/)
    expect(run.stdout).toMatch(/Tests=8/)
    expect(run.stdout + run.stderr).not.toMatch(/YAML|Unsupported|parse error/i)
  })

  test('a passing run passes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodcheck-tap-'))
    writeFileSync(join(dir, 'run.tap'), tap([results[0], results[3], results[5], results[7]] as never, []))
    const run = spawnSync('prove', ['--exec', 'cat', join(dir, 'run.tap')], { encoding: 'utf8' })
    expect(run.status, run.stdout + run.stderr).toBe(0)
    expect(run.stdout).toMatch(/Result: PASS/)
  })
})
