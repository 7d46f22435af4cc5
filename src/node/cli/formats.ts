/**
 * The report formats of `prodcheck run`: text (the table), json (health+json), junit, tap
 * and nagios, one reporter a file in `node/reporter/`. Each is a pure function of the
 * results, which come redacted and printable (results.ts); each format then escapes what it
 * cannot carry its own way (a name cannot open a TAP line, a perfdata label, or break XML).
 *
 * @module
 */
import { toHealthDocument } from '../reporter/health.ts'
import { junit } from '../reporter/junit.ts'
import { nagios } from '../reporter/nagios.ts'
import { formatTable } from '../reporter/table.ts'
import { tap } from '../reporter/tap.ts'
import type { CheckResult } from '../results.ts'
import { safeMessage } from '../results.ts'

/** The formats `--format` accepts. */
export const FORMATS = ['text', 'json', 'junit', 'tap', 'nagios'] as const
export type Format = (typeof FORMATS)[number]

/**
 * The report of `results` in `format`, and errors outside any check (`errors`). Tests the
 * tier filter left out are counted, not listed; every format keeps the order of the run.
 * `nagiosMaxBytes` bounds the Nagios output (1024 for a classic NRPE packet).
 *
 * @example
 * process.stdout.write(formatReport('json', results, []))
 */
export function formatReport(format: Format, results: readonly CheckResult[], errors: readonly string[], nagiosMaxBytes?: number): string {
  switch (format) {
    case 'text':
      return `${formatTable(results)}${errors.map((e) => `\n✗ ${safeMessage(e)}`).join('')}${errors.length ? '\n' : ''}`
    case 'json':
      return `${JSON.stringify(withErrors(toHealthDocument(results), errors), null, 2)}\n`
    case 'junit':
      return junit(shown(results), errors)
    case 'tap':
      return tap(results, errors)
    case 'nagios':
      return nagios(results, errors, nagiosMaxBytes === undefined ? {} : { maxBytes: nagiosMaxBytes }).output
  }
}

function shown(results: readonly CheckResult[]): CheckResult[] {
  return results.filter((r) => r.skipReason !== 'filtered')
}

function withErrors<T extends { status: string; notes: string[] }>(document: T, errors: readonly string[]): T {
  if (errors.length === 0) return document
  return { ...document, status: 'fail', notes: [...document.notes, ...errors.map((e) => safeMessage(e))] }
}
