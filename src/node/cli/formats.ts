/**
 * The report formats of `prodcheck run`: text (the table), json (health+json), junit, tap,
 * and nagios (one status line with perfdata). Each is a pure function of the results.
 * The results come redacted and printable (results.ts); each format then escapes what it
 * cannot carry its own way (a name cannot open a TAP line, a perfdata label, or break XML).
 *
 * @module
 */
import { toHealthDocument } from '../reporter/health.ts'
import type { CheckResult } from '../results.ts'
import { nameWithFile, safeMessage, summarize } from '../results.ts'
import { formatTable } from '../reporter/table.ts'

/** The formats `--format` accepts. */
export const FORMATS = ['text', 'json', 'junit', 'tap', 'nagios'] as const
export type Format = (typeof FORMATS)[number]

/** Nagios plugin exit codes. */
export const NAGIOS = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const

/** Longest Nagios status line: Nagios Core 3 reads 4 KiB of plugin output (4 reads 8 KiB). */
const MAX_NAGIOS_BYTES = 4000

/**
 * The report of `results` in `format`, and errors outside any check (`errors`). Tests the
 * tier filter left out are counted, not listed; every format keeps the order of the run.
 *
 * @example
 * process.stdout.write(formatReport('json', results, []))
 */
export function formatReport(format: Format, results: readonly CheckResult[], errors: readonly string[]): string {
  switch (format) {
    case 'text':
      return `${formatTable(results)}${errors.map((e) => `\n✗ ${safeMessage(e)}`).join('')}${errors.length ? '\n' : ''}`
    case 'json':
      return `${JSON.stringify(withErrors(toHealthDocument(results), errors), null, 2)}\n`
    case 'junit':
      return junit(shown(results), errors)
    case 'tap':
      return tap(shown(results), errors)
    case 'nagios':
      return `${nagios(results, errors).line}\n`
  }
}

function shown(results: readonly CheckResult[]): CheckResult[] {
  return results.filter((r) => r.skipReason !== 'filtered')
}

function withErrors<T extends { status: string; notes: string[] }>(document: T, errors: readonly string[]): T {
  if (errors.length === 0) return document
  return { ...document, status: 'fail', notes: [...document.notes, ...errors.map((e) => safeMessage(e))] }
}

/**
 * The Nagios status line (`PRODCHECK CRITICAL - … | 'api'=12ms;;;`) and its exit code: each
 * failing check named with its own cause; at most 4000 bytes (perfdata cut first).
 *
 * @example
 * nagios(results, []) // { line: "PRODCHECK OK - 12 checks passed | 'api is up'=12ms;;; …", code: 0 }
 */
export function nagios(results: readonly CheckResult[], errors: readonly string[]): { line: string; code: number } {
  const ran = results.filter((r) => r.status !== 'skip')
  const { passed, degraded, leftOut } = summarize(results)
  const failures = ran.filter((r) => r.status === 'fail')
  let state: keyof typeof NAGIOS
  let text: string
  if (failures.length > 0 || errors.length > 0) {
    state = 'CRITICAL'
    text =
      failures.length > 0
        ? `${failures.length} of ${ran.length} checks failed: ${failures.map((r) => `${r.name} (${r.cause[0] ?? 'failed'})`).join('; ')}`
        : `the run failed: ${safeMessage(errors[0] ?? '')}`
  } else if (ran.length === 0) {
    state = 'UNKNOWN'
    text = `no check ran${leftOut ? ` (${leftOut} not selected)` : ''}: nothing says the service is healthy`
  } else if (degraded > 0) {
    state = 'WARNING'
    text = `${degraded} of ${ran.length} checks degraded: ${ran
      .filter((r) => r.status === 'warn')
      .map((r) => `${r.name} (${r.cause[0] ?? 'degraded'})`)
      .join('; ')}`
  } else {
    state = 'OK'
    text = `${passed} checks passed`
  }
  const head = cutBytes(`PRODCHECK ${state} - ${oneLine(text)}`, MAX_NAGIOS_BYTES - 100)
  let line = head
  for (const [i, r] of ran.filter((r) => r.timed).entries()) {
    const entry = `${i === 0 ? ' | ' : ' '}'${perfLabel(r.key)}'=${Math.round(r.latencyMs * 100) / 100}ms;;;`
    if (Buffer.byteLength(line) + Buffer.byteLength(entry) > MAX_NAGIOS_BYTES) break
    line += entry
  }
  return { line, code: NAGIOS[state] }
}

function cutBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text
  let cut = text.slice(0, max)
  while (Buffer.byteLength(cut) > max - 1) cut = cut.slice(0, -1)
  return `${cut}…`
}

function junit(results: readonly CheckResult[], errors: readonly string[]): string {
  const byFile = new Map<string, CheckResult[]>()
  for (const r of results) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r])
  const suites = [...byFile].map(([file, tests]) => {
    const failures = tests.filter((t) => t.status === 'fail').length
    const skipped = tests.filter((t) => t.status === 'skip').length
    const time = tests.reduce((sum, t) => sum + t.latencyMs, 0) / 1000
    const cases = tests.map((t) => {
      const properties = [
        `<property name="tier" value="${xml(t.tier)}"/>`,
        ...t.checks.map(
          (c) =>
            `<property name="prodcheck" value="${xml(`${c.matcher} ${c.target}: ${c.status} ${c.summary}${c.latencyMs === undefined ? '' : ` (${c.latencyMs} ms)`}`)}"/>`,
        ),
      ]
      const body =
        t.status === 'fail'
          ? `<failure message="${xml(t.cause[0] ?? 'failed')}">${xml(t.cause.join('\n'))}</failure>`
          : t.status === 'skip'
            ? `<skipped message="${t.skipReason ?? 'skipped'}"/>`
            : t.status === 'warn'
              ? `<system-out>${xml(t.cause.join('\n'))}</system-out>`
              : ''
      return `    <testcase classname="${xml(file)}" name="${xml(t.name)}" time="${(t.latencyMs / 1000).toFixed(3)}">\n      <properties>${properties.join('')}</properties>${body ? `\n      ${body}` : ''}\n    </testcase>`
    })
    return `  <testsuite name="${xml(file)}" tests="${tests.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time.toFixed(3)}">\n${cases.join('\n')}\n  </testsuite>`
  })
  if (errors.length > 0) {
    suites.push(
      `  <testsuite name="prodcheck" tests="1" failures="0" errors="1" skipped="0" time="0">\n    <testcase classname="prodcheck" name="run" time="0">\n      <error message="${xml(firstLine(errors[0]))}">${xml(errors.map((e) => safeMessage(e)).join('\n'))}</error>\n    </testcase>\n  </testsuite>`,
    )
  }
  const total = results.length + (errors.length > 0 ? 1 : 0)
  const failed = results.filter((r) => r.status === 'fail').length
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="prodcheck" tests="${total}" failures="${failed}" errors="${errors.length > 0 ? 1 : 0}">\n${suites.join('\n')}\n</testsuites>\n`
}

function tap(results: readonly CheckResult[], errors: readonly string[]): string {
  const lines = ['TAP version 13', `1..${results.length + errors.length}`]
  results.forEach((r, i) => {
    const n = i + 1
    // names come on one line; a `#` would start a directive
    const name = nameWithFile(r).replace(/\\/g, '\\\\').replace(/#/g, '\\#')
    if (r.status === 'skip')
      lines.push(
        r.skipReason === 'todo'
          ? `not ok ${n} - ${name} # TODO`
          : `ok ${n} - ${name} # SKIP ${r.skipReason === 'filtered' ? 'not selected' : 'skipped in its file'}`,
      )
    else if (r.status === 'fail') {
      lines.push(
        `not ok ${n} - ${name}`,
        '  ---',
        `  message: ${yamlText(r.cause[0] ?? 'failed')}`,
        '  severity: fail',
        '  cause: |',
        ...r.cause.map((c) => `    ${c}`),
        `  tier: ${r.tier}`,
        `  latency_ms: ${r.latencyMs}`,
        '  ...',
      )
    } else
      lines.push(`ok ${n} - ${name} # time=${r.latencyMs}ms${r.status === 'warn' ? ` (degraded: ${r.cause.join('; ').replace(/#/g, '\\#')})` : ''}`)
  })
  errors.forEach((e, i) => {
    lines.push(`not ok ${results.length + i + 1} - the run`, '  ---', `  message: ${yamlText(oneLine(e))}`, '  ...')
  })
  return `${lines.join('\n')}\n`
}

/**
 * A YAML single-quoted scalar (TAP 13 diagnostics): the text is one printable line (results.ts
 * made it so), and a quote is doubled; no backslash escapes, which TAP's YAMLish readers
 * (Perl's prove) do not all read. Lists of lines go in a literal block (`cause: |`), which
 * they all read whatever the lines hold.
 */
function yamlText(text: string): string {
  return `'${text.replace(/[\r\n]+/g, ' ').replace(/'/g, "''")}'`
}

function firstLine(text: string | undefined): string {
  return safeMessage((text ?? '').split('\n')[0] ?? '')
}

/** The Nagios status text on one line: no line break, no `|` (it starts the perfdata). */
function oneLine(text: string): string {
  return safeMessage(text)
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '/')
}

/** A perfdata label: no quote, `=`, `|` or line break (plugin guidelines). */
function perfLabel(text: string): string {
  return text.replace(/['=|]/g, '_').replace(/[\r\n]/g, ' ')
}

// not allowed in XML 1.0 at all: C0 controls but tab, LF and CR; lone surrogates; U+FFFE, U+FFFF
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

function xml(text: string): string {
  return safeMessage(text)
    .replace(NOT_XML, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/[<>&"']/g, (c) => `&${({ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' } as Record<string, string>)[c]};`)
}
