/**
 * The text report of a run: one row per check (tier, name, target, status, latency), then
 * for each failure what was expected, observed, what failed and the fix (from the check
 * records), for each degraded check why (the soft threshold it crossed, or its retries), and
 * a summary line. Tests the tier filter left out are counted, not listed.
 *
 * @module
 */
import { formatMs } from '../../core/text.ts'
import { type CheckRecord, type CheckResult, summarize } from '../results.ts'

const STATUS_TEXT = { pass: 'pass', warn: 'WARN', fail: 'FAIL', skip: 'skip' } as const
const MAX_NAME = 48
const MAX_TARGET = 56
const LABEL_WIDTH = 9

/**
 * Formats the results as a table, followed by the causes of the failures.
 *
 * @example
 * process.stdout.write(formatTable(results))
 */
export function formatTable(results: readonly CheckResult[]): string {
  const shown = results.filter((r) => r.skipReason !== 'filtered')
  const rows = shown.map((r) => [
    r.tier,
    fit(r.name, MAX_NAME),
    fit(r.checks.length === 0 ? '-' : `${r.checks[0]?.target}${r.checks.length > 1 ? ` +${r.checks.length - 1}` : ''}`, MAX_TARGET),
    statusText(r),
    r.status === 'skip' || !r.timed ? '—' : formatMs(r.latencyMs),
  ])
  const header = ['tier', 'check', 'target', 'status', 'latency']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)))
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === 4 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  const failures = shown.filter((r) => r.status === 'fail').map((r) => `\n✗ ${r.name} (${r.file})\n${explain(r)}`)
  const degraded = shown
    .filter((r) => r.status === 'warn' && r.cause.length > 0)
    .map((r) => `\n! ${r.name} (${r.file}): degraded\n${r.cause.map((c) => `    ${c}`).join('\n')}`)
  return [line(header), ...rows.map(line), ...failures, ...degraded, '', summaryLine(results), ''].join('\n')
}

function statusText(result: CheckResult): string {
  if (result.status === 'warn' && result.retries > 0) return `${STATUS_TEXT.warn} (retried ${result.retries}×)`
  if (result.status === 'skip') return result.skipReason === 'todo' ? 'todo' : STATUS_TEXT.skip
  return STATUS_TEXT[result.status]
}

/** What failed in a test: each failing check as expected / observed / failed / fix, else the test's error. */
function explain(result: CheckResult): string {
  const failing = result.checks.filter((check) => check.status === 'fail')
  if (failing.length === 0)
    return (result.message ?? result.cause.join('\n'))
      .split('\n')
      .map((text) => `    ${text}`)
      .join('\n')
  return failing.map(describeCheck).join('\n')
}

function describeCheck(check: CheckRecord): string {
  const took = check.latencyMs === undefined ? '' : check.error ? ` (after ${formatMs(check.latencyMs)})` : ` in ${formatMs(check.latencyMs)}`
  const lines: Array<[string, string]> = [
    ['expected', check.expected],
    ['observed', `${check.summary}${took}`],
    ...check.failures.map((failure): [string, string] => ['failed', failure]),
    ...(check.error?.hint ? [['fix', check.error.hint] as [string, string]] : []),
  ]
  return [
    `    ${check.negated ? 'not.' : ''}${check.matcher} ${check.target}`,
    ...lines.map(([label, text]) => `      ${label.padEnd(LABEL_WIDTH)} ${text}`),
  ].join('\n')
}

/**
 * `12 passed, 1 failed, slowest: db 840 ms` (degraded, skipped and not-selected counts when there are any).
 *
 * @example
 * summaryLine(results) // '12 passed, 1 failed, slowest: db 840 ms'
 */
export function summaryLine(results: readonly CheckResult[]): string {
  const { passed, degraded, failed, skipped, leftOut, slowest } = summarize(results)
  const parts = [
    `${passed} passed`,
    ...(degraded ? [`${degraded} degraded`] : []),
    `${failed} failed`,
    ...(skipped ? [`${skipped} skipped`] : []),
    ...(leftOut ? [`${leftOut} not selected`] : []),
  ]
  return `${parts.join(', ')}${slowest ? `, slowest: ${slowest.name} ${formatMs(slowest.latencyMs)}` : ''}`
}

/** A cell of at most `max` characters, cut with `…`, never inside a surrogate pair. */
function fit(text: string, max: number): string {
  if (text.length <= max) return text
  const code = text.charCodeAt(max - 2)
  const end = code >= 0xd800 && code <= 0xdbff ? max - 2 : max - 1
  return `${text.slice(0, end)}…`
}
