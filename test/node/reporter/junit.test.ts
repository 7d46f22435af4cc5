// The JUnit report, read by its consumers: Python's `junitparser` (Debian's python3-junitparser)
// and `xmllint` against the Surefire / Jenkins xunit schema (test/support/junit-surefire.xsd).
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, test } from 'vitest'
import { junit } from '../../../src/node/reporter/junit.ts'
import { aFailingRecord, aRecord, aRefusedRecord, aResult } from '../../support/results.ts'

const SCHEMA = resolve(import.meta.dirname, '../../support/junit-surefire.xsd')
const WARNING = 'latency 240 ms over the 200 ms warning budget (warnLatencyMs)'
const HINT = 'nothing is listening there: is the service running, and are host and port right?'
const results = [
  aResult({ name: 'api is up' }),
  aResult({ name: 'api is healthy', checks: [aFailingRecord()] }),
  aResult({ name: 'db reachable', file: 'prod-tests/db.test.ts', tier: 'diagnostic', tags: [], checks: [aRecord(), aRefusedRecord()] }),
  aResult({ name: 'api is quick', checks: [aRecord({ status: 'warn', latencyMs: 240, warnings: [WARNING] })] }),
  aResult({ name: 'a <tag> & "quotes"\uffff', checks: [], status: 'fail', cause: ['hooks: beforeAll broke'], message: 'hooks: beforeAll broke' }),
  aResult({ name: 'skipped here', status: 'skip', skipReason: 'skipped', checks: [] }),
]
const xml = junit(results, [], new Date('2026-12-05T06:00:00Z'))

/** What junitparser reads: each case with its result (kind, message, type, text), time, file, and the suites' properties. */
function readWithJunitparser(text: string): {
  suites: Array<{ name: string; tests: number; failures: number; skipped: number; time: number; properties: Record<string, string> }>
  cases: Array<{
    name: string
    classname: string
    time: number
    file: string | null
    results: Array<[string, string | null, string | null, string | null]>
  }>
} {
  const script = `
import sys, json
from junitparser import JUnitXml
xml = JUnitXml.fromstring(sys.stdin.buffer.read())
suites, cases = [], []
for suite in xml:
    suites.append({'name': suite.name, 'tests': suite.tests, 'failures': suite.failures, 'skipped': suite.skipped, 'time': suite.time,
                   'properties': {p.name: p.value for p in suite.properties()}})
    for case in suite:
        cases.append({'name': case.name, 'classname': case.classname, 'time': case.time, 'file': case._elem.get('file'),
                      'results': [[r._tag, r.message, r.type, r.text] for r in case.result] +
                                 [[e.tag, e.get('message'), e.get('type'), e.text] for e in case._elem if e.tag == 'flakyFailure']})
print(json.dumps({'suites': suites, 'cases': cases}))
`
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { input: text }).toString())
}

describe('JUnit: junitparser', () => {
  const { suites, cases } = readWithJunitparser(xml)

  test('a suite a check file, a case a test, with its file and its time in seconds', () => {
    expect(suites.map((s) => [s.name, s.tests, s.failures, s.skipped])).toEqual([
      ['prod-tests/api.test.ts', 5, 2, 1],
      ['prod-tests/db.test.ts', 1, 1, 0],
    ])
    expect(cases.map((c) => c.name)).toEqual([
      'api is up',
      'api is healthy',
      'api is quick',
      'a <tag> & "quotes"\\uffff',
      'skipped here',
      'db reachable',
    ])
    expect(cases[0]).toMatchObject({ classname: 'prod-tests/api.test.ts', file: 'prod-tests/api.test.ts', time: 0.012 })
  })

  test('a failure’s message is its cause, its type the error code, its text every cause line and the fix', () => {
    const healthy = cases.find((c) => c.name === 'api is healthy')
    expect(healthy?.results).toEqual([
      [
        'failure',
        'toRespondHttp http://api.internal/health: status 503, expected 2xx',
        'EXPECTATION',
        'toRespondHttp http://api.internal/health: status 503, expected 2xx\ntoRespondHttp http://api.internal/health: JSON status is "down", expected "ok"',
      ],
    ])
    const db = cases.find((c) => c.name === 'db reachable')
    expect(db?.results[0]).toEqual([
      'failure',
      'toConnectToDatabase postgres://app:***@db:5432/app: ECONNREFUSED: connection refused by db:5432',
      'ECONNREFUSED',
      `toConnectToDatabase postgres://app:***@db:5432/app: ECONNREFUSED: connection refused by db:5432\nfix: ${HINT}`,
    ])
    expect(cases.find((c) => c.name.startsWith('a <tag>'))?.results[0]?.slice(0, 3)).toEqual(['failure', 'hooks: beforeAll broke', 'ERROR'])
  })

  test('a degraded test is a flakyFailure with its reason; a skipped one skipped', () => {
    expect(cases.find((c) => c.name === 'api is quick')?.results).toEqual([
      ['flakyFailure', `toRespondHttp http://api.internal/health: ${WARNING}`, 'DEGRADED', `toRespondHttp http://api.internal/health: ${WARNING}`],
    ])
    expect(cases.find((c) => c.name === 'skipped here')?.results.map((r) => r[0])).toEqual(['skipped'])
  })

  test('the record of each test is in its suite’s properties: target, tier, status, latency', () => {
    expect(suites[1]?.properties).toEqual({
      'db reachable: target': 'http://api.internal/health, postgres://app:***@db:5432/app',
      'db reachable: tier': 'diagnostic',
      'db reachable: status': 'fail',
      'db reachable: latency_ms': '24',
    })
  })
})

describe('JUnit: the Surefire / Jenkins xunit schema', () => {
  test('xmllint validates it, the testcase file attribute set aside', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodcheck-junit-'))
    const file = join(dir, 'junit.xml')
    writeFileSync(file, junit(results, ['prod-tests/bad.test.ts: Transform failed'], new Date()).replace(/(<testcase [^>]*?) file="[^"]*"/g, '$1'))
    const run = spawnSync('xmllint', ['--noout', '--schema', SCHEMA, file], { encoding: 'utf8' })
    expect(run.stderr).toMatch(/validates$/m)
    expect(run.status, run.stderr).toBe(0)
  })

  test('the schema is not a formality: a testcase with properties fails it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodcheck-junit-'))
    const file = join(dir, 'junit.xml')
    writeFileSync(file, xml.replace(/(<testcase [^>]*?) file="[^"]*">/, '$1><properties/>').replace(/(<testcase [^>]*?) file="[^"]*"/g, '$1'))
    expect(spawnSync('xmllint', ['--noout', '--schema', SCHEMA, file], { encoding: 'utf8' }).status).not.toBe(0)
  })
})
