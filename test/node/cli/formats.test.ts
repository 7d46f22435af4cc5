// Every format of `prodcheck run` through formatReport, from results alone (no Vitest, no
// service): every failure line and the fix of each failing check reach each format. Each
// format's consumer reads it in test/node/reporter/ (tap-parser and prove, junitparser and
// xmllint, a perfdata parser) and in test/node/cli/nagios.test.ts (a real Nagios 4).
import { describe, expect, test } from 'vitest'
import { formatReport } from '../../../src/node/cli/formats.ts'
import { aFailingRecord, aRecord, aRefusedRecord, aResult } from '../../support/results.ts'

const FAILURES = ['status 503, expected 2xx', 'JSON status is "down", expected "ok"']
const HINT = 'nothing is listening there: is the service running, and are host and port right?'
const results = [
  aResult({ name: 'api is up' }),
  aResult({ name: 'api is healthy', checks: [aFailingRecord()] }),
  aResult({ name: 'db reachable', tier: 'diagnostic', tags: [], checks: [aRecord(), aRefusedRecord()] }),
  aResult({
    name: 'api is quick',
    checks: [aRecord({ status: 'warn', warnings: ['latency 240 ms over the 200 ms warning budget (warnLatencyMs)'] })],
  }),
  aResult({ name: 'after a hook', checks: [], status: 'fail', cause: ['hooks: beforeAll broke'], message: 'hooks: beforeAll broke' }),
  aResult({
    name: 'the environment',
    checks: [aRecord({ matcher: 'toHaveEnv', target: 'environment', latencyMs: undefined, componentType: 'system', facts: {} })],
  }),
  aResult({ name: 'left out', tier: 'diagnostic', tags: [], status: 'skip', skipReason: 'filtered', checks: [] }),
  aResult({ name: 'to write', status: 'skip', skipReason: 'todo', checks: [] }),
]
const HTTP_LINES = FAILURES.map((f) => `toRespondHttp http://api.internal/health: ${f}`)
const DB_LINES = ['toConnectToDatabase postgres://app:***@db:5432/app: ECONNREFUSED: connection refused by db:5432', `fix: ${HINT}`]

describe('health+json (json)', () => {
  const document = JSON.parse(formatReport('json', results, []))

  test('a failing check’s output is its cause, every line then the fix, never its summary', () => {
    expect(document.checks['api is healthy:responseTime']).toEqual([expect.objectContaining({ status: 'fail', output: HTTP_LINES.join('\n') })])
    const db = document.checks['db reachable:responseTime']
    expect(db.map((o: { status: string }) => o.status)).toEqual(['pass', 'fail'])
    expect(db[1]).toMatchObject({ componentType: 'datastore', matcher: 'toConnectToDatabase', output: DB_LINES.join('\n') })
    expect(JSON.stringify(document)).not.toContain('HTTP 503 Service Unavailable')
    expect(document.output).toBe(`api is healthy: ${HTTP_LINES[0]}`)
  })

  test('a failure outside any check, a degraded check, a check with no latency; left-out tests counted, not listed', () => {
    expect(document.checks['after a hook:responseTime']).toEqual([expect.objectContaining({ status: 'fail', output: 'hooks: beforeAll broke' })])
    expect(document.checks['api is quick:responseTime'][0]).toMatchObject({
      status: 'warn',
      output: 'toRespondHttp http://api.internal/health: latency 240 ms over the 200 ms warning budget (warnLatencyMs)',
    })
    const env = document.checks['the environment:responseTime'][0]
    expect(env).toMatchObject({ status: 'pass', componentType: 'system' })
    expect(env).not.toHaveProperty('observedValue')
    expect(document.checks).not.toHaveProperty(['left out:responseTime'])
    expect(document.notes).toEqual(['2 passed, 1 degraded, 3 failed', '1 skipped', '1 not selected (other tier)'])
  })

  test('keeps the order of the run', () => {
    expect(Object.keys(document.checks)).toEqual(
      ['api is up', 'api is healthy', 'db reachable', 'api is quick', 'after a hook', 'the environment'].map((n) => `${n}:responseTime`),
    )
  })

  test('a run in which no check ran is no pass', () => {
    expect(JSON.parse(formatReport('json', results.slice(6, 7), []))).toMatchObject({
      status: 'fail',
      notes: expect.arrayContaining(['no check ran: nothing says this service is healthy']),
    })
  })
})

describe('every format keeps every failure line and the fix of each failing check (lossless)', () => {
  const lines = [...HTTP_LINES, ...DB_LINES]

  test.each(['tap', 'junit', 'nagios', 'json', 'text'] as const)('%s', (format) => {
    const report = formatReport(format, results, [])
    // each format escapes its own way: compare what a reader sees
    const read =
      format === 'junit'
        ? report.replace(/&quot;/g, '"').replace(/&apos;/g, "'")
        : format === 'tap'
          ? report.replace(/\\x3a/g, ':').replace(/\\"/g, '"')
          : format === 'json'
            ? JSON.stringify(Object.values(JSON.parse(report).checks).flat(), null, 0)
                .replace(/\\n/g, '\n')
                .replace(/\\"/g, '"')
            : report
    for (const line of format === 'text' ? [...FAILURES, HINT] : lines)
      expect(read).toContain(line.replace(/^fix: /, format === 'text' ? '' : 'fix: '))
  })

  test('TAP and JUnit leave the tests the tier filter left out to their counts; TAP marks them # SKIP', () => {
    expect(formatReport('junit', results, [])).not.toContain('left out')
    expect(formatReport('tap', results, [])).toMatch(/^ok 7 - left out \(prod-tests\/api\.test\.ts\) # SKIP not selected$/m)
  })
})

describe('text (the table)', () => {
  const text = formatReport('text', results, [])

  test('a row a test, in the order of the run; no latency for checks that touch no network; left-out tests counted', () => {
    const rows = text.split('\n').slice(1, 8)
    expect(rows.map((row) => row.split(/ {2,}/)[1])).toEqual([
      'api is up',
      'api is healthy',
      'db reachable',
      'api is quick',
      'after a hook',
      'the environment',
      'to write',
    ])
    expect(rows[5]).toMatch(/pass +—$/)
    expect(text).toMatch(/^2 passed, 1 degraded, 3 failed, 1 skipped, 1 not selected, slowest: .+ 24 ms$/m)
  })

  test('each failing check: expected, observed, every failure, the fix', () => {
    expect(text).toContain(
      [
        '✗ api is healthy (prod-tests/api.test.ts)',
        '    toRespondHttp http://api.internal/health',
        '      expected  GET → status 2xx',
        '      observed  HTTP 503 Service Unavailable in 12 ms',
        `      failed    ${FAILURES[0]}`,
        `      failed    ${FAILURES[1]}`,
      ].join('\n'),
    )
    expect(text).toContain(`      fix       ${HINT}`)
    expect(text).toContain('✗ after a hook (prod-tests/api.test.ts)\n    hooks: beforeAll broke')
  })
})
