import { describe, expect, test } from 'vitest'
import { formatTable, summaryLine } from '../../../src/node/reporter/table.ts'
import { aFailingRecord, aRecord, aRefusedRecord, aResult } from '../../support/results.ts'

const HINT = 'nothing is listening there: is the service running, and are host and port right?'
const environment = aRecord({ matcher: 'toHaveEnv', target: 'environment', latencyMs: undefined, componentType: 'system', facts: {} })
const leftOut = aResult({ name: 'left out', tier: 'diagnostic', tags: [], status: 'skip', skipReason: 'filtered', checks: [] })

describe('formatTable', () => {
  test('a row a test in the order of the run, columns aligned, latency right-aligned; the failures; the summary', () => {
    const results = [
      aResult({ name: 'api is up' }),
      aResult({
        name: 'db reachable',
        tier: 'diagnostic',
        tags: [],
        checks: [aRecord({ latencyMs: 3 }), aRefusedRecord({ latencyMs: 1.5, expected: 'a connection' })],
      }),
      aResult({ name: 'the environment', checks: [environment] }),
      aResult({ name: 'flaky api', status: 'warn', retries: 2, cause: ['passed after 2 retries'], checks: [aRecord({ latencyMs: 250 })] }),
      leftOut,
      aResult({ name: 'to write', status: 'skip', skipReason: 'todo', checks: [] }),
      aResult({ name: 'skipped one', status: 'skip', skipReason: 'skipped', checks: [] }),
    ]
    expect(formatTable(results)).toBe(
      [
        'tier        check            target                         status             latency',
        'smoke       api is up        http://api.internal/health     pass                 12 ms',
        'diagnostic  db reachable     http://api.internal/health +1  FAIL                4.5 ms',
        'smoke       the environment  environment                    pass                     —',
        'smoke       flaky api        http://api.internal/health     WARN (retried 2×)   250 ms',
        'smoke       to write         -                              todo                     —',
        'smoke       skipped one      -                              skip                     —',
        '',
        '✗ db reachable (prod-tests/api.test.ts)',
        '    toConnectToDatabase postgres://app:***@db:5432/app',
        '      expected  a connection',
        '      observed  ECONNREFUSED: connection refused by db:5432 (after 1.5 ms)',
        `      fix       ${HINT}`,
        '',
        '! flaky api (prod-tests/api.test.ts): degraded',
        '    passed after 2 retries',
        '',
        '2 passed, 1 degraded, 1 failed, 2 skipped, 1 not selected, slowest: flaky api 250 ms',
        '',
      ].join('\n'),
    )
  })

  test('a degraded test without a retry is WARN; the widths follow the widest cell', () => {
    const results = [
      aResult({ name: 'a', checks: [aRecord({ status: 'warn', warnings: ['slow'], latencyMs: 1234.4 })] }),
      aResult({ name: 'b', tier: 'diagnostic', checks: [aRecord({ target: 'tcp://db:5432', latencyMs: 0.25 })] }),
    ]
    expect(formatTable(results).split('\n').slice(0, 3)).toEqual([
      'tier        check  target                      status  latency',
      'smoke       a      http://api.internal/health  WARN    1234 ms',
      'diagnostic  b      tcp://db:5432               pass    0.25 ms',
    ])
  })

  test('each degraded test after the failures: why, one line a cause', () => {
    const slow = aResult({
      name: 'slow',
      checks: [
        aRecord({ status: 'warn', warnings: ['took 240 ms, over the warning threshold of 200 ms'] }),
        aRecord({ target: 'http://b/', status: 'warn', warnings: ['certificate expires in 9 days'] }),
      ],
    })
    const text = formatTable([slow, aResult({ name: 'down', checks: [aFailingRecord()] })])
    expect(text.indexOf('\n✗ down')).toBeGreaterThan(0)
    expect(text.indexOf('\n! slow')).toBeGreaterThan(text.indexOf('\n✗ down'))
    expect(text).toContain(
      [
        '',
        '! slow (prod-tests/api.test.ts): degraded',
        '    toRespondHttp http://api.internal/health: took 240 ms, over the warning threshold of 200 ms',
        '    toRespondHttp http://b/: certificate expires in 9 days',
        '',
        '0 passed, 1 degraded, 1 failed, slowest: slow 24 ms',
        '',
      ].join('\n'),
    )
  })

  test('long names and targets are cut in the row with an ellipsis; the failure block names the test in full', () => {
    const name = `a check with a very long name ${'n'.repeat(40)}`
    const target = `http://api.internal/${'p'.repeat(60)}`
    const text = formatTable([aResult({ name, checks: [aFailingRecord({ target })] })])
    const row = text.split('\n')[1] ?? ''
    expect(row).toBe(`smoke  ${name.slice(0, 47)}…  ${target.slice(0, 55)}…  FAIL      12 ms`)
    expect(text).toContain(`\n✗ ${name} (prod-tests/api.test.ts)\n    toRespondHttp ${target}\n`)
  })

  test('each failing check of a test: expected, observed (with its time, none when untimed), every failure; passing checks left out', () => {
    const negated = aRecord({
      status: 'fail',
      negated: true,
      expected: 'not: GET → status 2xx',
      summary: 'HTTP 200 OK',
      latencyMs: 0.5,
      failures: ['every expectation held (HTTP 200 OK), and the check is negated (.not)'],
    })
    const env = aRecord({
      ...environment,
      status: 'fail',
      expected: 'NODE_ENV = "production"',
      summary: 'NODE_ENV is "staging"',
      failures: ['NODE_ENV is "staging", expected "production"'],
    })
    const text = formatTable([aResult({ name: 'stack', checks: [aRecord({ target: 'http://ok/' }), aFailingRecord(), negated, env] })])
    const block = text.slice(text.indexOf('\n✗ '), text.lastIndexOf('\n\n'))
    expect(block).toBe(
      [
        '',
        '✗ stack (prod-tests/api.test.ts)',
        '    toRespondHttp http://api.internal/health',
        '      expected  GET → status 2xx',
        '      observed  HTTP 503 Service Unavailable in 12 ms',
        '      failed    status 503, expected 2xx',
        '      failed    JSON status is "down", expected "ok"',
        '    not.toRespondHttp http://api.internal/health',
        '      expected  not: GET → status 2xx',
        '      observed  HTTP 200 OK in 0.50 ms',
        '      failed    every expectation held (HTTP 200 OK), and the check is negated (.not)',
        '    toHaveEnv environment',
        '      expected  NODE_ENV = "production"',
        '      observed  NODE_ENV is "staging"',
        '      failed    NODE_ENV is "staging", expected "production"',
      ].join('\n'),
    )
    expect(text).not.toContain('toRespondHttp http://ok/')
  })

  test('a failed exchange without a hint has no fix line', () => {
    const record = aRefusedRecord({ error: { code: 'ECONNREFUSED', message: 'connection refused by db:5432' } })
    const text = formatTable([aResult({ name: 'db', checks: [record] })])
    expect(text).toContain('      observed  ECONNREFUSED: connection refused by db:5432 (after 12 ms)\n\n0 passed, 1 failed, slowest: db 12 ms\n')
    expect(text).not.toContain('fix')
  })

  test('a test that failed outside its checks: its message, each line indented, else its cause', () => {
    const thrown = aResult({
      name: 'thrown',
      checks: [aRecord()],
      status: 'fail',
      cause: ['ignored'],
      message: 'AssertionError: expected 1 to be 2\n  at prod-tests/api.test.ts:4:5',
    })
    const hook = aResult({ name: 'hook', checks: [], status: 'fail', cause: ['hooks: beforeAll broke', 'second line'] })
    const text = formatTable([thrown, hook])
    expect(text).toContain(
      [
        '✗ thrown (prod-tests/api.test.ts)',
        '    AssertionError: expected 1 to be 2',
        '      at prod-tests/api.test.ts:4:5',
        '',
        '✗ hook (prod-tests/api.test.ts)',
        '    hooks: beforeAll broke',
        '    second line',
        '',
        '0 passed, 2 failed, slowest: thrown 12 ms',
      ].join('\n'),
    )
    expect(text).not.toContain('ignored')
  })

  test('left-out tests: not a row, not a failure, only counted', () => {
    expect(formatTable([leftOut, { ...leftOut, name: 'other', key: 'other', id: 'other-id' }])).toBe(
      ['tier  check  target  status  latency', '', '0 passed, 0 failed, 2 not selected', ''].join('\n'),
    )
  })
})

describe('summaryLine', () => {
  test('passed and failed always; degraded, skipped and not selected only when there are some', () => {
    expect(summaryLine([])).toBe('0 passed, 0 failed')
    const results = [
      aResult({ name: 'a' }),
      aResult({ name: 'b', checks: [aFailingRecord()] }),
      aResult({ name: 'c', checks: [aRecord({ status: 'warn', warnings: ['slow'] })] }),
      aResult({ name: 'd', status: 'skip', skipReason: 'skipped', checks: [] }),
      aResult({ name: 'e', status: 'skip', skipReason: 'todo', checks: [] }),
      leftOut,
    ]
    expect(summaryLine(results)).toBe('1 passed, 1 degraded, 1 failed, 2 skipped, 1 not selected, slowest: a 12 ms')
  })

  test('the slowest of the timed checks that ran, failing ones included', () => {
    const results = [
      aResult({ name: 'fast', checks: [aRecord({ latencyMs: 5 })] }),
      aResult({ name: 'env', checks: [environment], latencyMs: 900 }),
      aResult({ name: 'slow and failing', checks: [aFailingRecord({ latencyMs: 1500.6 })] }),
      aResult({ name: 'skipped', status: 'skip', skipReason: 'skipped', latencyMs: 5000, timed: true, checks: [] }),
    ]
    expect(summaryLine(results)).toBe('2 passed, 1 failed, 1 skipped, slowest: slow and failing 1501 ms')
  })

  test('no slowest when no check was timed', () => {
    expect(summaryLine([aResult({ name: 'env', checks: [environment], latencyMs: 900 })])).toBe('1 passed, 0 failed')
  })
})
