/**
 * The TAP report of a run (`prodcheck run --format tap`): TAP version 13 (Perl's `prove`
 * refuses a `TAP version 14` line, and nothing here needs subtests), the plan, one test point
 * a test, each with a YAML diagnostics block (`---` … `...`) holding its latency, tier and
 * status, and for a failing or degraded test its cause (a list of lines) and the record of each check (target,
 * expected, failures, error code, hint, latency). A test the tier filter left out is
 * `# SKIP not selected`, one skipped in its file `# SKIP`, a `test.todo` `# TODO`.
 *
 * @module
 */
import type { CheckRecord } from '../../core/check-record.ts'
import { type CheckResult, nameWithFile, safeMessage } from '../results.ts'

/**
 * Renders the results (and errors outside any check, as failing test points) as TAP 13.
 *
 * @example
 * process.stdout.write(tap(results, []))
 */
export function tap(results: readonly CheckResult[], errors: readonly string[]): string {
  const lines = ['TAP version 13', `1..${results.length + errors.length}`]
  results.forEach((r, i) => {
    const point = `${i + 1} - ${description(nameWithFile(r))}`
    if (r.status === 'skip') {
      lines.push(
        r.skipReason === 'todo'
          ? `not ok ${point} # TODO`
          : `ok ${point} # SKIP ${r.skipReason === 'filtered' ? 'not selected' : 'skipped in its file'}`,
      )
      return
    }
    lines.push(`${r.status === 'fail' ? 'not ok' : 'ok'} ${point}`, ...diagnostics(r))
  })
  errors.forEach((error, i) => {
    lines.push(`not ok ${results.length + i + 1} - the run`, '  ---', `  message: ${quote(safeMessage(error).split('\n')[0] ?? '')}`)
    lines.push('  severity: fail', '  cause:', ...safeMessage(error).split('\n').map(item), '  ...')
  })
  return `${lines.join('\n')}\n`
}

/** The YAML block of a test point: what every test has, then the cause and the checks of a failing or degraded one. */
function diagnostics(r: CheckResult): string[] {
  const yaml = ['  ---']
  if (r.status !== 'pass') yaml.push(`  message: ${quote(r.cause[0] ?? r.status)}`)
  yaml.push(`  severity: ${r.status === 'fail' ? 'fail' : r.status === 'warn' ? 'warn' : 'pass'}`)
  yaml.push(`  status: ${r.status}`, `  tier: ${r.tier}`, `  file: ${quote(r.file)}`)
  if (r.timed) yaml.push(`  latency_ms: ${r.latencyMs}`)
  if (r.budgetMs !== undefined) yaml.push(`  max_latency_ms: ${r.budgetMs}`)
  if (r.warnBudgetMs !== undefined) yaml.push(`  warn_latency_ms: ${r.warnBudgetMs}`)
  if (r.retries > 0) yaml.push(`  retries: ${r.retries}`)
  if (r.status !== 'pass') {
    if (r.cause.length > 0) yaml.push('  cause:', ...r.cause.map(item))
    const checks = r.checks.filter((check) => check.status !== 'pass')
    if (checks.length > 0) yaml.push('  checks:', ...checks.flatMap(checkYaml))
  }
  yaml.push('  ...')
  return yaml
}

/** One check record as a YAML list item. */
function checkYaml(check: CheckRecord): string[] {
  const item = [
    `    - matcher: ${quote(check.matcher)}`,
    `      target: ${quote(check.target)}`,
    `      status: ${check.status}`,
    `      expected: ${quote(check.expected)}`,
    `      observed: ${quote(check.summary)}`,
  ]
  if (check.latencyMs !== undefined) item.push(`      latency_ms: ${check.latencyMs}`)
  if (check.failures.length > 0) item.push('      failures:', ...check.failures.map((f) => `        - ${listQuote(f)}`))
  if (check.warnings.length > 0) item.push('      warnings:', ...check.warnings.map((w) => `        - ${listQuote(w)}`))
  if (check.error) {
    item.push('      error:', `        code: ${quote(check.error.code)}`, `        message: ${quote(check.error.message)}`)
    if (check.error.hint) item.push(`        hint: ${quote(check.error.hint)}`)
  }
  return item
}

/** A test point's description: on one line (results.ts made it so); `#` would start a directive. */
function description(name: string): string {
  return name.replace(/\\/g, '\\\\').replace(/#/g, '\\#')
}

/**
 * A YAML single-quoted scalar: one printable line (results.ts made it so), a quote doubled;
 * no backslash escapes, which TAP's YAMLish readers (Perl's prove) do not all read.
 */
function quote(text: string): string {
  return `'${text.replace(/[\r\n]+/g, ' ').replace(/'/g, "''")}'`
}

/** A line of the cause, as an item of a YAML list. */
function item(line: string): string {
  return `    - ${listQuote(line)}`
}

/**
 * A YAML double-quoted scalar for a list item, its colons escaped (`\x3a`): Perl's YAMLish
 * reader takes an item with a `word: ` in it for a hash, whatever the quotes.
 */
function listQuote(text: string): string {
  return `"${text
    .replace(/[\r\n]+/g, ' ')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/:/g, '\\x3a')}"`
}
