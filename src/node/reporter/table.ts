/**
 * The text report of a run: one row per check (tier, name, target, status, latency), the
 * messages of the failures, and a summary line.
 *
 * @module
 */
import { formatMs } from '../../core/text.ts'
import { type CheckResult, summarize } from '../results.ts'

const STATUS_TEXT = { pass: 'pass', warn: 'WARN', fail: 'FAIL', skip: 'skip' } as const
const MAX_NAME = 48
const MAX_TARGET = 56

/**
 * Formats the results as a table, followed by the messages of failed checks.
 *
 * @example
 * process.stdout.write(formatTable(results))
 */
export function formatTable(results: readonly CheckResult[]): string {
  const rows = results.map((r) => [
    r.tier,
    cut(r.name, MAX_NAME),
    cut(r.checks.length === 0 ? '-' : `${r.checks[0]?.target}${r.checks.length > 1 ? ` +${r.checks.length - 1}` : ''}`, MAX_TARGET),
    r.status === 'warn' ? `${STATUS_TEXT.warn} (retried ${r.retries}×)` : STATUS_TEXT[r.status],
    r.status === 'skip' ? '' : formatMs(r.latencyMs),
  ])
  const header = ['tier', 'check', 'target', 'status', 'latency']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)))
  const line = (cells: string[]): string => cells.map((cell, i) => (i === 4 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()
  const failures = results.filter((r) => r.status === 'fail' && r.message).map((r) => `\n✗ ${r.name} (${r.file})\n${indent(r.message ?? '')}`)
  return [line(header), ...rows.map(line), ...failures, '', summaryLine(results), ''].join('\n')
}

/**
 * `12 passed, 1 failed, slowest: db 840 ms` (degraded and skipped counts when there are any).
 *
 * @example
 * summaryLine(results) // '12 passed, 1 failed, slowest: db 840 ms'
 */
export function summaryLine(results: readonly CheckResult[]): string {
  const { passed, degraded, failed, skipped, slowest } = summarize(results)
  const parts = [`${passed} passed`, ...(degraded ? [`${degraded} degraded`] : []), `${failed} failed`, ...(skipped ? [`${skipped} skipped`] : [])]
  return `${parts.join(', ')}${slowest ? `, slowest: ${slowest.name} ${formatMs(slowest.latencyMs)}` : ''}`
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

function indent(text: string): string {
  return text.split('\n').map((line) => `    ${line}`).join('\n')
}
