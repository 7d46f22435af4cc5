import { describe, expect, test } from 'vitest'
import { HEALTH_MEDIA_TYPE, toHealthDocument } from '../../../src/node/reporter/health.ts'
import { aFailingRecord, aRecord, aRefusedRecord, aResult } from '../../support/results.ts'

const TIME = '2026-12-01T00:00:00.000Z'
const HINT = 'nothing is listening there: is the service running, and are host and port right?'
const degraded = aResult({
  name: 'api is quick',
  checks: [aRecord({ status: 'warn', warnings: ['took 240 ms, over the warning threshold of 200 ms'] })],
})
const failing = aResult({ name: 'api is healthy', checks: [aFailingRecord()] })
const leftOut = aResult({ name: 'left out', tier: 'diagnostic', tags: [], status: 'skip', skipReason: 'filtered', checks: [] })

describe('toHealthDocument: status', () => {
  test('pass when every check passed', () => {
    const document = toHealthDocument([aResult({ name: 'a' }), aResult({ name: 'b' })])
    expect(document).toEqual({
      status: 'pass',
      description: 'prodcheck',
      notes: ['2 passed, 0 degraded, 0 failed'],
      checks: {
        'a:responseTime': [
          {
            componentId: 'http://api.internal/health',
            componentType: 'component',
            observedValue: 12,
            observedUnit: 'ms',
            status: 'pass',
            time: TIME,
            tier: 'smoke',
            file: 'prod-tests/api.test.ts',
            matcher: 'toRespondHttp',
          },
        ],
        'b:responseTime': [expect.objectContaining({ status: 'pass' })],
      },
    })
    expect(HEALTH_MEDIA_TYPE).toBe('application/health+json')
  })

  test('warn when a check is degraded and none failed', () => {
    expect(toHealthDocument([aResult(), degraded])).toMatchObject({ status: 'warn', notes: ['1 passed, 1 degraded, 0 failed'] })
    expect(toHealthDocument([aResult(), degraded])).not.toHaveProperty('output')
  })

  test('fail when a check failed, whatever else passed or is degraded; `output` is the first failing test and its first cause', () => {
    const refused = aResult({ name: 'db reachable', checks: [aRefusedRecord()] })
    const document = toHealthDocument([aResult(), degraded, failing, refused])
    expect(document.status).toBe('fail')
    expect(document.notes).toEqual(['1 passed, 1 degraded, 2 failed'])
    expect(document.output).toBe('api is healthy: toRespondHttp http://api.internal/health: status 503, expected 2xx')
    expect(toHealthDocument([refused, failing]).output).toBe(
      'db reachable: toConnectToDatabase postgres://app:***@db:5432/app: ECONNREFUSED: connection refused by db:5432',
    )
  })

  test('fail when no check ran: nothing ran, or every test was left out or skipped', () => {
    const note = 'no check ran: nothing says this service is healthy'
    expect(toHealthDocument([])).toEqual({ status: 'fail', description: 'prodcheck', notes: ['0 passed, 0 degraded, 0 failed', note], checks: {} })
    const skipped = aResult({ name: 'later', status: 'skip', skipReason: 'skipped', checks: [] })
    expect(toHealthDocument([leftOut, skipped])).toEqual({
      status: 'fail',
      description: 'prodcheck',
      notes: ['0 passed, 0 degraded, 0 failed', '1 skipped', '1 not selected (other tier)', note],
      checks: {},
    })
  })

  test('the description is the caller’s', () => {
    expect(toHealthDocument([aResult()], 'billing-api').description).toBe('billing-api')
  })
})

describe('toHealthDocument: checks', () => {
  test('keyed `<key>:responseTime` by the unique key, not the name', () => {
    const results = [
      aResult({ name: 'db', key: 'db (prod-tests/a.test.ts)' }),
      aResult({ name: 'db', key: 'db (prod-tests/b.test.ts)', checks: [aFailingRecord()] }),
    ]
    const { checks } = toHealthDocument(results)
    expect(Object.keys(checks)).toEqual(['db (prod-tests/a.test.ts):responseTime', 'db (prod-tests/b.test.ts):responseTime'])
    expect(checks['db (prod-tests/b.test.ts):responseTime']?.[0]?.status).toBe('fail')
  })

  test('one observation a check, in order: its target, component type, matcher; a latency only for a timed check', () => {
    const result = aResult({
      name: 'stack',
      tier: 'diagnostic',
      file: 'prod-tests/stack.test.ts',
      time: '2026-12-02T10:00:00.000Z',
      checks: [
        aRecord({ latencyMs: 4.25 }),
        aRecord({ matcher: 'toConnectToDatabase', target: 'postgres://db:5432/app', componentType: 'datastore', latencyMs: 0 }),
        aRecord({ matcher: 'toHaveEnv', target: 'environment', componentType: 'system', latencyMs: undefined }),
      ],
    })
    const observations = toHealthDocument([result]).checks['stack:responseTime']
    const base = { status: 'pass', time: '2026-12-02T10:00:00.000Z', tier: 'diagnostic', file: 'prod-tests/stack.test.ts' }
    expect(observations).toEqual([
      {
        componentId: 'http://api.internal/health',
        componentType: 'component',
        observedValue: 4.25,
        observedUnit: 'ms',
        matcher: 'toRespondHttp',
        ...base,
      },
      {
        componentId: 'postgres://db:5432/app',
        componentType: 'datastore',
        observedValue: 0,
        observedUnit: 'ms',
        matcher: 'toConnectToDatabase',
        ...base,
      },
      { componentId: 'environment', componentType: 'system', matcher: 'toHaveEnv', ...base },
    ])
  })

  test('a failing check’s output: every failure line, or its error then `fix: hint`; the passing checks of the test have none', () => {
    const result = aResult({
      name: 'db reachable',
      checks: [aRecord(), aFailingRecord({ latencyMs: 30 }), aRefusedRecord({ latencyMs: 5 })],
    })
    const [passed, http, db] = toHealthDocument([result]).checks['db reachable:responseTime'] ?? []
    expect(passed).toMatchObject({ status: 'pass' })
    expect(passed).not.toHaveProperty('output')
    expect(http).toMatchObject({
      status: 'fail',
      observedValue: 30,
      output: [
        'toRespondHttp http://api.internal/health: status 503, expected 2xx',
        'toRespondHttp http://api.internal/health: JSON status is "down", expected "ok"',
      ].join('\n'),
    })
    expect(db).toMatchObject({
      status: 'fail',
      componentType: 'datastore',
      componentId: 'postgres://app:***@db:5432/app',
      observedValue: 5,
      output: `toConnectToDatabase postgres://app:***@db:5432/app: ECONNREFUSED: connection refused by db:5432\nfix: ${HINT}`,
    })
  })

  test('a failing check with neither failure nor error says its summary; a negated one is named `not.`', () => {
    const negated = aRecord({
      status: 'fail',
      negated: true,
      summary: 'HTTP 200 OK',
      failures: ['every expectation held (HTTP 200 OK), and the check is negated (.not)'],
    })
    const bare = aRecord({ status: 'fail', summary: 'HTTP 500 Internal Server Error', failures: [] })
    const refusedNoHint = aRefusedRecord({ error: { code: 'ECONNREFUSED', message: 'connection refused by db:5432' } })
    const observations = toHealthDocument([aResult({ name: 'x', checks: [negated, bare, refusedNoHint] })]).checks['x:responseTime'] ?? []
    expect(observations.map((o) => o.output)).toEqual([
      'not.toRespondHttp http://api.internal/health: every expectation held (HTTP 200 OK), and the check is negated (.not)',
      'toRespondHttp http://api.internal/health: HTTP 500 Internal Server Error',
      'toConnectToDatabase postgres://app:***@db:5432/app: ECONNREFUSED: connection refused by db:5432',
    ])
  })

  test('a check that passed only after a retry is warn, its output why', () => {
    const retried = aResult({ name: 'flaky', status: 'warn', retries: 2, cause: ['passed after 2 retries'] })
    const document = toHealthDocument([retried])
    expect(document.status).toBe('warn')
    expect(document.checks['flaky:responseTime']).toEqual([expect.objectContaining({ status: 'warn', output: 'passed after 2 retries' })])
    // without a retry, a passing check of a degraded test stays pass
    const mixed = aResult({ name: 'mixed', checks: [aRecord(), aRecord({ status: 'warn', warnings: ['slow'] })] })
    expect(toHealthDocument([mixed]).checks['mixed:responseTime']?.map((o) => [o.status, o.output])).toEqual([
      ['pass', undefined],
      ['warn', 'toRespondHttp http://api.internal/health: slow'],
    ])
  })

  test('a test that failed outside its checks gets one more observation, the test’s own, with its cause', () => {
    const result = aResult({
      name: 'after a hook',
      checks: [aRecord()],
      status: 'fail',
      latencyMs: 40,
      cause: ['hooks: beforeAll broke', 'at setup.ts:3'],
    })
    expect(toHealthDocument([result]).checks['after a hook:responseTime']).toEqual([
      expect.objectContaining({ status: 'pass', componentId: 'http://api.internal/health' }),
      {
        componentType: 'component',
        observedValue: 40,
        observedUnit: 'ms',
        status: 'fail',
        time: TIME,
        tier: 'smoke',
        file: 'prod-tests/api.test.ts',
        output: 'hooks: beforeAll broke\nat setup.ts:3',
      },
    ])
  })

  test('a test that ran no check is one observation of the test, with no latency: nothing was timed', () => {
    const result = aResult({ name: 'plain', checks: [], latencyMs: 3 })
    expect(toHealthDocument([result]).checks['plain:responseTime']).toEqual([
      { componentType: 'component', status: 'pass', time: TIME, tier: 'smoke', file: 'prod-tests/api.test.ts' },
    ])
  })
})

describe('toHealthDocument: notes', () => {
  test('counts by status; skipped and todo tests counted as skipped, left-out tests counted apart and never listed', () => {
    const results = [
      aResult({ name: 'a' }),
      degraded,
      failing,
      aResult({ name: 'skipped', status: 'skip', skipReason: 'skipped', checks: [] }),
      aResult({ name: 'todo', status: 'skip', skipReason: 'todo', checks: [] }),
      leftOut,
      { ...leftOut, name: 'left out too', key: 'left out too', id: 'left out too-id' },
    ]
    const document = toHealthDocument(results)
    expect(document.notes).toEqual(['1 passed, 1 degraded, 1 failed', '2 skipped', '2 not selected (other tier)'])
    expect(Object.keys(document.checks)).toEqual(['a:responseTime', 'api is quick:responseTime', 'api is healthy:responseTime'])
  })
})
