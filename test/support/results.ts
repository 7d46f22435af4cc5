/**
 * Results and check records as the runner reads them, for unit tests of every output
 * (health+json, table, JUnit, TAP, Nagios, page, metrics) without running Vitest.
 */
import type { CheckRecord } from '../../src/core/check-record.ts'
import type { CheckResult } from '../../src/node/results.ts'
import { checkCause } from '../../src/node/results.ts'

/** A passing HTTP check record, with overrides. */
export function aRecord(overrides: Partial<CheckRecord> = {}): CheckRecord {
  return {
    matcher: 'toRespondHttp',
    target: 'http://api.internal/health',
    tier: 'smoke',
    status: 'pass',
    latencyMs: 12,
    expected: 'GET → status 2xx',
    summary: 'HTTP 200 OK',
    failures: [],
    warnings: [],
    componentType: 'component',
    facts: { httpStatus: 200, httpVersion: '1.1', redirects: 0 },
    ...overrides,
  }
}

/** A failing record: status 503 where 2xx was expected. */
export function aFailingRecord(overrides: Partial<CheckRecord> = {}): CheckRecord {
  return aRecord({
    status: 'fail',
    summary: 'HTTP 503 Service Unavailable',
    failures: ['status 503, expected 2xx', 'JSON status is "down", expected "ok"'],
    facts: { httpStatus: 503 },
    ...overrides,
  })
}

/** A record whose exchange failed: refused, with its fix. */
export function aRefusedRecord(overrides: Partial<CheckRecord> = {}): CheckRecord {
  return aRecord({
    matcher: 'toConnectToDatabase',
    target: 'postgres://app:***@db:5432/app',
    status: 'fail',
    summary: 'ECONNREFUSED: connection refused by db:5432',
    error: {
      code: 'ECONNREFUSED',
      message: 'connection refused by db:5432',
      hint: 'nothing is listening there: is the service running, and are host and port right?',
    },
    componentType: 'datastore',
    facts: {},
    ...overrides,
  })
}

/** A result of one test, its status and cause derived from its records as results.ts does. */
export function aResult(overrides: Partial<CheckResult> & { checks?: CheckRecord[] } = {}): CheckResult {
  const checks = overrides.checks ?? [aRecord()]
  const failing = checks.filter((check) => check.status === 'fail')
  const status = overrides.status ?? (failing.length > 0 ? 'fail' : checks.some((check) => check.status === 'warn') ? 'warn' : 'pass')
  const name = overrides.name ?? 'api is up'
  return {
    id: `${name}-id`,
    name,
    key: overrides.key ?? name,
    file: 'prod-tests/api.test.ts',
    tier: 'smoke',
    tags: ['smoke'],
    status,
    latencyMs: checks.reduce((sum, check) => sum + (check.latencyMs ?? 0), 0),
    timed: checks.some((check) => check.latencyMs !== undefined),
    time: '2026-12-01T00:00:00.000Z',
    retries: 0,
    checks,
    componentType: checks[0]?.componentType ?? 'component',
    cause:
      status === 'fail'
        ? failing.flatMap(checkCause)
        : status === 'warn'
          ? checks.flatMap((check) => check.warnings.map((w) => `${check.matcher} ${check.target}: ${w}`))
          : [],
    ...overrides,
  }
}
