// The Nagios plugin output, from results alone: states, the first line within a classic NRPE
// packet naming each failing check with its own cause, long output, and perfdata that a
// perfdata parser (after the plugin guidelines) reads whole.
import { describe, expect, test } from 'vitest'
import { NAGIOS_FIRST_LINE_BYTES, nagios } from '../../../src/node/reporter/nagios.ts'
import type { CheckResult } from '../../../src/node/results.ts'
import { parsePerfdata } from '../../support/perfdata.ts'
import { aFailingRecord, aRecord, aRefusedRecord, aResult } from '../../support/results.ts'

const WARNING = 'latency 240 ms over the 200 ms warning budget (warnLatencyMs)'
const up = aResult({ name: 'api is up', budgetMs: 300, warnBudgetMs: 200 })
const down = aResult({ name: 'api is healthy', checks: [aFailingRecord()] })
const dbDown = aResult({ name: 'db reachable', tier: 'diagnostic', tags: [], checks: [aRefusedRecord()] })
const quick = aResult({ name: 'api is quick', checks: [aRecord({ status: 'warn', latencyMs: 240, warnings: [WARNING] })] })
const env = aResult({ name: 'env', checks: [aRecord({ matcher: 'toHaveEnv', latencyMs: undefined })] })

/** The plugin output split as Nagios reads it: first line (text | perfdata), long output, the perfdata after a `|` further down. */
function read(output: string): { text: string; long: string[]; perfdata: string } {
  const [first = '', ...rest] = output.trimEnd().split('\n')
  const [text = '', firstPerf = ''] = first.split(' | ')
  const pipe = rest.findIndex((line) => line.startsWith('| '))
  const long = pipe === -1 ? rest : rest.slice(0, pipe)
  const later = pipe === -1 ? '' : rest.slice(pipe).join(' ').slice(2)
  return { text, long, perfdata: [firstPerf, later].filter(Boolean).join(' ') }
}

describe('states', () => {
  test('OK when every check passed; the perfdata of each timed check, warn and crit from its budgets', () => {
    const { output, code, state } = nagios([up, env], [])
    expect([code, state]).toEqual([0, 'OK'])
    const { text, perfdata } = read(output)
    expect(text).toBe('PRODCHECK OK - 2 checks passed')
    expect(parsePerfdata(perfdata)).toEqual([{ label: 'api is up', value: 12, uom: 'ms', warn: '200', crit: '300', min: 0, max: undefined }])
  })

  test('CRITICAL when a smoke check failed: each failing check named with its own cause', () => {
    const { output, code } = nagios([up, down, dbDown, quick], [])
    expect(code).toBe(2)
    expect(read(output).text).toBe(
      'PRODCHECK CRITICAL - 2 of 4 checks failed: api is healthy (status 503, expected 2xx), db reachable (ECONNREFUSED: connection refused by db:5432)',
    )
  })

  test('WARNING when only diagnostic checks failed, or a check is degraded, with why', () => {
    expect(nagios([up, dbDown], [])).toMatchObject({ code: 1, state: 'WARNING' })
    expect(read(nagios([up, dbDown], []).output).text).toBe(
      'PRODCHECK WARNING - 1 of 2 diagnostic checks failed: db reachable (ECONNREFUSED: connection refused by db:5432)',
    )
    expect(read(nagios([up, quick], []).output).text).toBe(`PRODCHECK WARNING - 1 of 2 checks degraded: api is quick (${WARNING})`)
    const retried = aResult({ name: 'flaky', status: 'warn', retries: 1, cause: ['passed after 1 retry'] })
    expect(read(nagios([retried], []).output).text).toBe('PRODCHECK WARNING - 1 of 1 checks degraded: flaky (passed after 1 retry)')
  })

  test('UNKNOWN when the run did not complete (a file that does not load), or no check ran', () => {
    const parseError = 'prod-tests/bad.test.ts: Transform failed with 1 error:\n⎯⎯⎯⎯⎯⎯\nprod-tests/bad.test.ts:3:1: ERROR: Unexpected "}"'
    const broken = nagios([up], [parseError])
    expect([broken.code, read(broken.output).text]).toEqual([
      3,
      'PRODCHECK UNKNOWN - the run did not complete: prod-tests/bad.test.ts: Transform failed with 1 error: prod-tests/bad.test.ts:3:1: ERROR: Unexpected "}"',
    ])
    const none = nagios([aResult({ name: 'x', status: 'skip', skipReason: 'filtered', checks: [] })], [])
    expect([none.code, read(none.output).text]).toEqual([3, 'PRODCHECK UNKNOWN - no check ran, 1 not selected: nothing says the service is healthy'])
    // a failing smoke check says more than the error: CRITICAL still
    expect(nagios([down], [parseError]).code).toBe(2)
  })
})

describe('long output', () => {
  test('a line a check, then every cause line of a failing one; no `|` in the text', () => {
    const { long } = read(nagios([up, down, dbDown], []).output)
    expect(long).toEqual([
      'PASS api is up [smoke, prod-tests/api.test.ts] 12 ms',
      'FAIL api is healthy [smoke, prod-tests/api.test.ts] 12 ms',
      '  toRespondHttp http://api.internal/health: status 503, expected 2xx',
      '  toRespondHttp http://api.internal/health: JSON status is "down", expected "ok"',
      'FAIL db reachable [diagnostic, prod-tests/api.test.ts] 12 ms',
      '  toConnectToDatabase postgres://app:***@db:5432/app: ECONNREFUSED: connection refused by db:5432',
      '  fix: nothing is listening there: is the service running, and are host and port right?',
    ])
    const piped = aResult({ name: 'a | b', checks: [aFailingRecord({ failures: ['body a|b'] })] })
    const output = nagios([piped], []).output
    expect(output.split('\n')[0]?.split('|')).toHaveLength(2)
    expect(read(output).long.join('\n')).not.toContain('|')
  })
})

describe('perfdata', () => {
  test('labels are unique, free of quote, = and |, and parse whole', () => {
    const tricky = ["it's = 'odd'", "it's = 'odd' (other file)", 'a|b', 'x'.repeat(300)].map((name) => aResult({ name, key: name }))
    const entries = parsePerfdata(read(nagios(tricky, []).output).perfdata)
    expect(entries).toHaveLength(4)
    expect(new Set(entries.map((e) => e.label)).size).toBe(4)
    for (const entry of entries) {
      expect(entry.label).not.toMatch(/['=|]/)
      expect(entry.label.length).toBeLessThanOrEqual(100)
    }
  })

  test('the first line fits a classic NRPE packet however many checks fail; the rest follows, never cut inside an entry', () => {
    const many: CheckResult[] = Array.from({ length: 300 }, (_, i) =>
      aResult({ name: `check number ${i} with a long descriptive name`, checks: [aFailingRecord()] }),
    )
    const { output } = nagios(many, [])
    const [first = ''] = output.split('\n')
    expect(Buffer.byteLength(first)).toBeLessThanOrEqual(NAGIOS_FIRST_LINE_BYTES - 1)
    expect(first).toMatch(
      /^PRODCHECK CRITICAL - 300 of 300 checks failed: check number 0 with a long descriptive name \(status 503, expected 2xx\), /,
    )
    expect(first.split(' | ')[0]).toMatch(/ … \d+ more$/)
    expect(Buffer.byteLength(output)).toBeLessThanOrEqual(8192)
    // whatever was left out is said; every entry shown parses
    expect(output).toMatch(/^… \d+ more lines, \d+ more perfdata \(output limit 8192 bytes\)$/m)
    expect(() => parsePerfdata(read(output).perfdata)).not.toThrow()
  })

  test('--max-bytes 1024 keeps the whole output within a classic NRPE packet', () => {
    const many = Array.from({ length: 60 }, (_, i) => aResult({ name: `api health ${i}`, key: `api health ${i}` }))
    const { output } = nagios(many, [], { maxBytes: 1024 })
    expect(Buffer.byteLength(output)).toBeLessThanOrEqual(1024)
    const entries = parsePerfdata(read(output).perfdata)
    expect(entries.length).toBeGreaterThan(5)
    expect(entries.map((e) => e.label)).toEqual(many.slice(0, entries.length).map((r) => r.key))
  })
})
