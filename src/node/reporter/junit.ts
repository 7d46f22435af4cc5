/**
 * The JUnit XML report of a run (`prodcheck run --format junit`), in the dialect of the
 * Jenkins xunit `junit-10.xsd` (Surefire's) that CI servers read: a `testsuite` a check file,
 * a `testcase` a test with its `file` (GitLab shows it) and `time` in seconds. A failing test
 * has a `failure` whose `message` is its cause and `type` the error code (`EXPECTATION` when
 * an expectation did not hold, `ERROR` for a failure outside any check), its body every cause
 * line; a degraded one a `flakyFailure` (Surefire's word for a pass that needed more). The
 * record of each test (target, tier, status, latency) is in the suite's `properties`, which
 * the schema allows there only, and in the test's `system-out`.
 *
 * @module
 */
import { type CheckResult, safeMessage } from '../results.ts'

/**
 * Renders the results (and errors outside any check, as a suite of one erring test) as JUnit XML.
 *
 * @example
 * writeFileSync('reports/junit.xml', junit(results, []))
 */
export function junit(results: readonly CheckResult[], errors: readonly string[], timestamp = new Date()): string {
  const byFile = new Map<string, CheckResult[]>()
  for (const r of results) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r])
  const stamp = timestamp.toISOString().replace(/\.\d+Z$/, '')
  const suites = [...byFile].map(([file, tests]) => {
    const counts = `tests="${tests.length}" failures="${count(tests, 'fail')}" errors="0" skipped="${count(tests, 'skip')}"`
    const properties = tests.filter((t) => t.status !== 'skip').flatMap(recordProperties)
    return [
      `  <testsuite name="${xml(file)}" ${counts} time="${seconds(tests)}" timestamp="${stamp}" file="${xml(file)}">`,
      ...(properties.length > 0 ? ['    <properties>', ...properties.map((p) => `      ${p}`), '    </properties>'] : []),
      ...tests.map(testcase),
      '  </testsuite>',
    ].join('\n')
  })
  if (errors.length > 0) {
    const first = safeMessage(errors[0] ?? '').split('\n')[0] ?? ''
    suites.push(
      [
        `  <testsuite name="prodcheck" tests="1" failures="0" errors="1" skipped="0" time="0" timestamp="${stamp}">`,
        '    <testcase classname="prodcheck" name="the run" time="0">',
        `      <error message="${xml(first)}" type="ERROR">${xml(errors.map((e) => safeMessage(e)).join('\n'))}</error>`,
        '    </testcase>',
        '  </testsuite>',
      ].join('\n'),
    )
  }
  const total = results.length + (errors.length > 0 ? 1 : 0)
  const head = `<testsuites name="prodcheck" tests="${total}" failures="${count(results, 'fail')}" errors="${errors.length > 0 ? 1 : 0}" time="${seconds(results)}">`
  return `<?xml version="1.0" encoding="UTF-8"?>\n${head}\n${suites.join('\n')}\n</testsuites>\n`
}

function testcase(t: CheckResult): string {
  const open = `    <testcase classname="${xml(t.file)}" name="${xml(t.name)}" time="${(t.latencyMs / 1000).toFixed(3)}" file="${xml(t.file)}">`
  const body: string[] = []
  const cause = xml(t.cause.join('\n'))
  if (t.status === 'fail') body.push(`<failure message="${xml(t.cause[0] ?? 'failed')}" type="${xml(failureType(t))}">${cause}</failure>`)
  else if (t.status === 'warn') body.push(`<flakyFailure message="${xml(t.cause[0] ?? 'degraded')}" type="DEGRADED">${cause}</flakyFailure>`)
  else if (t.status === 'skip') body.push(`<skipped message="${t.skipReason === 'filtered' ? 'not selected' : (t.skipReason ?? 'skipped')}"/>`)
  if (t.status !== 'skip') body.push(`<system-out>${xml(record(t))}</system-out>`)
  return [open, ...body.map((line) => `      ${line}`), '    </testcase>'].join('\n')
}

/** The error code of the first failing check, `EXPECTATION` when only its expectations failed, `ERROR` outside any check. */
function failureType(t: CheckResult): string {
  const failing = t.checks.find((check) => check.status === 'fail')
  if (!failing) return 'ERROR'
  return failing.error?.code ?? 'EXPECTATION'
}

/** The record of a test as suite properties, each named after the test: `<name>: target`, `<name>: tier`… */
function recordProperties(t: CheckResult): string[] {
  const entries: Array<[string, string]> = [
    ['target', t.checks.map((check) => check.target).join(', ') || '-'],
    ['tier', t.tier],
    ['status', t.status],
    ...(t.timed ? [['latency_ms', String(t.latencyMs)] as [string, string]] : []),
  ]
  return entries.map(([field, value]) => `<property name="${xml(`${t.key}: ${field}`)}" value="${xml(value)}"/>`)
}

/** What each check of a test saw, a line each, for `system-out`. */
function record(t: CheckResult): string {
  return t.checks
    .map(
      (c) => `${c.negated ? 'not.' : ''}${c.matcher} ${c.target}: ${c.status} ${c.summary}${c.latencyMs === undefined ? '' : ` (${c.latencyMs} ms)`}`,
    )
    .join('\n')
}

function count(results: readonly CheckResult[], status: CheckResult['status']): number {
  return results.filter((r) => r.status === status).length
}

/** Seconds with 3 decimals, as the schema's SUREFIRE_TIME reads them. */
function seconds(results: readonly CheckResult[]): string {
  return (results.reduce((sum, r) => sum + (r.status === 'skip' ? 0 : r.latencyMs), 0) / 1000).toFixed(3)
}

// not allowed in XML 1.0 at all: C0 controls but tab, LF and CR; lone surrogates; U+FFFE, U+FFFF
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
const ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' }

/** Text safe in an XML attribute or element: redacted and printable (safeMessage), then escaped. */
function xml(text: string): string {
  return safeMessage(text)
    .replace(NOT_XML, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/[<>&"']/g, (c) => ENTITIES[c] ?? c)
}
