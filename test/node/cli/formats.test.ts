// Every format of `prodcheck run`, from results alone (no Vitest, no service): each is read
// by its consumer (JSON.parse, a YAML parser for TAP diagnostics and `prove` for TAP itself,
// Python's XML parser for JUnit), and every failure line and the fix of each failing check
// reach it, attached to that check.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { formatReport, nagios } from '../../../src/node/cli/formats.ts'
import { aFailingRecord, aRecord, aRefusedRecord, aResult } from '../../support/results.ts'

const FAILURES = ['status 503, expected 2xx', 'JSON status is "down", expected "ok"']
const HINT = 'nothing is listening there: is the service running, and are host and port right?'
const results = [
  aResult({ name: 'api is up' }),
  aResult({ name: 'api is healthy', checks: [aFailingRecord()] }),
  aResult({ name: 'db reachable', tier: 'diagnostic', tags: [], checks: [aRecord(), aRefusedRecord()] }),
  aResult({ name: 'api is quick', checks: [aRecord({ status: 'warn', warnings: ['took 240 ms, over the warning threshold of 200 ms'] })] }),
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
      output: 'toRespondHttp http://api.internal/health: took 240 ms, over the warning threshold of 200 ms',
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

describe('TAP (tap)', () => {
  const tap = formatReport('tap', results, [])

  test('prove reads it: one test point a test, the failing ones failing, the todo one a todo', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodcheck-tap-'))
    writeFileSync(join(dir, 'run.tap'), tap)
    const run = spawnSync('prove', ['--exec', 'cat', '--verbose', join(dir, 'run.tap')], { encoding: 'utf8' })
    expect(run.status, run.stdout + run.stderr).not.toBe(0)
    expect(run.stdout).toMatch(/Failed tests?: {1,2}2-3, 5\b/)
    expect(run.stdout).toMatch(/Tests=7/)
  })

  test('each failing test point carries its cause in YAML diagnostics, every line and the fix', () => {
    const blocks = [...tap.matchAll(/^not ok (\d+) - (.*)\n {2}---\n([\s\S]*?)\n {2}\.\.\.$/gm)].map(([, n, name, yaml]) => {
      const doc = parseYaml((yaml ?? '').replace(/^ {2}/gm, ''))
      return { n, name, doc: { ...doc, cause: String(doc.cause).trimEnd().split('\n') } }
    })
    expect(blocks.map((b) => b.n)).toEqual(['2', '3', '5'])
    expect(blocks[0]?.doc).toMatchObject({ message: HTTP_LINES[0], severity: 'fail', cause: HTTP_LINES, tier: 'smoke' })
    expect(blocks[1]?.doc.cause).toEqual(DB_LINES)
    expect(blocks[2]?.doc.cause).toEqual(['hooks: beforeAll broke'])
    expect(tap).toMatch(/^not ok 7 - to write \(prod-tests\/api\.test\.ts\) # TODO$/m)
    expect(tap).not.toContain('left out')
  })
})

describe('JUnit (junit)', () => {
  const xml = formatReport('junit', results, [])
  const read = (script: string): string =>
    execFileSync('python3', ['-c', `import sys, json, xml.dom.minidom as m\nd = m.parseString(sys.stdin.buffer.read())\n${script}`], {
      input: xml,
    }).toString()

  test('an XML parser reads one testcase a test; a failure’s message is its first cause line, its body every line and the fix', () => {
    const failures = JSON.parse(
      read(
        `print(json.dumps({c.getAttribute('name'): [f.getAttribute('message'), ''.join(t.data for t in f.childNodes)] for c in d.getElementsByTagName('testcase') for f in c.getElementsByTagName('failure')}))`,
      ),
    )
    expect(failures).toEqual({
      'api is healthy': [HTTP_LINES[0], HTTP_LINES.join('\n')],
      'db reachable': [DB_LINES[0], DB_LINES.join('\n')],
      'after a hook': ['hooks: beforeAll broke', 'hooks: beforeAll broke'],
    })
    expect(read(`print(len(d.getElementsByTagName('testcase')), len(d.getElementsByTagName('skipped')))`).trim()).toBe('7 1')
  })
})

describe('Nagios (nagios)', () => {
  test('each failing check is named with its own cause; CRITICAL', () => {
    const { line, code } = nagios(results, [])
    expect(code).toBe(2)
    expect(line).toMatch(
      /^PRODCHECK CRITICAL - 3 of 6 checks failed: api is healthy \(toRespondHttp http:\/\/api\.internal\/health: status 503, expected 2xx\); db reachable \(toConnectToDatabase postgres:\/\/app:\*\*\*@db:5432\/app: ECONNREFUSED: connection refused by db:5432\); after a hook \(hooks: beforeAll broke\) \| /,
    )
    // perfdata: timed checks only, in the order of the run
    expect([...line.matchAll(/'([^']*)'=/g)].map((m) => m[1])).toEqual(['api is up', 'api is healthy', 'db reachable', 'api is quick'])
  })

  test('WARNING names the degraded check and why; UNKNOWN when no check ran', () => {
    expect(nagios([results[0], results[3]] as never, [])).toMatchObject({
      code: 1,
      line: expect.stringMatching(
        /^PRODCHECK WARNING - 1 of 2 checks degraded: api is quick \(toRespondHttp http:\/\/api\.internal\/health: took 240 ms, over the warning threshold of 200 ms\) \| /,
      ),
    })
    expect(nagios([results[6]] as never, [])).toMatchObject({
      code: 3,
      line: 'PRODCHECK UNKNOWN - no check ran (1 not selected): nothing says the service is healthy',
    })
  })

  test('at most 4000 bytes, however many checks', () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      aResult({ name: `check number ${i} with a long descriptive name`, checks: [aFailingRecord()] }),
    )
    const { line } = nagios(many, [])
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(4000)
    expect(line).toMatch(/^PRODCHECK CRITICAL - 400 of 400 checks failed: /)
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
