/**
 * The Nagios / Icinga plugin output of a run (`prodcheck run --format nagios`), after the
 * plugin guidelines: a first line `PRODCHECK <STATE> - <summary> | <perfdata>` within 1,024
 * bytes (a classic NRPE packet), the detail of every check as long output on the lines after
 * it, and the perfdata that did not fit the first line after a `|` on the last one.
 *
 * States, worst first: CRITICAL (a smoke check failed), UNKNOWN (the plugin could not tell:
 * an error outside any check, such as a check file that does not load, or no check ran),
 * WARNING (only diagnostic checks failed, which are ticket-level, or a check is degraded:
 * over a soft threshold, or passed after a retry), OK. docs/decisions/0015 says why.
 *
 * @module
 */
import { type CheckResult, headline, safeMessage, summarize } from '../results.ts'

/** Nagios plugin exit codes. */
export const NAGIOS = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const

/** A Nagios state. */
export type NagiosState = keyof typeof NAGIOS

/** Bytes of the first line: what a classic NRPE packet carries in all. */
export const NAGIOS_FIRST_LINE_BYTES = 1024

/** Bytes of the whole output by default: what Nagios Core reads of a plugin's output. */
export const NAGIOS_DEFAULT_MAX_BYTES = 8192

/** Bytes kept for the last line, which says what the output limit left out. */
const NOTE_BYTES = 64

/** Longest perfdata label (the test's unique name, sanitised). */
const MAX_LABEL = 100

/**
 * The plugin output and exit code of a run. `maxBytes` bounds the whole output (1024 for a
 * classic NRPE packet): long output and perfdata that do not fit are left out whole, never
 * cut inside a label; the first line always fits.
 *
 * @example
 * const { output, code } = nagios(results, [])
 * process.stdout.write(output)
 * process.exitCode = code
 */
export function nagios(
  results: readonly CheckResult[],
  errors: readonly string[],
  { maxBytes = NAGIOS_DEFAULT_MAX_BYTES }: { maxBytes?: number } = {},
): { output: string; code: number; state: NagiosState } {
  const { state, summary } = verdict(results, errors)
  // room after the first line for the one that says what was left out
  const firstLineBytes = Math.min(NAGIOS_FIRST_LINE_BYTES, maxBytes - NOTE_BYTES)
  // the summary keeps room for the state and at least a little perfdata
  const head = `PRODCHECK ${state} - `
  const text = head + cutItems(summary, firstLineBytes - bytes(head) - 1)
  const perf = perfdata(results.filter((r) => r.status !== 'skip' && r.timed))
  let first = text
  let next = 0
  for (; next < perf.length; next++) {
    const entry = `${next === 0 ? ' | ' : ' '}${perf[next]}`
    if (bytes(first) + bytes(entry) > firstLineBytes - 1) break
    first += entry
  }
  const lines = [first]
  let used = bytes(first) + 1
  const details = [...longOutput(results, errors)]
  let shown = 0
  for (const line of details) {
    // room for a last line saying what was left out
    if (used + bytes(line) + 1 > maxBytes - NOTE_BYTES) break
    lines.push(line)
    used += bytes(line) + 1
    shown++
  }
  const rest = perf.slice(next)
  let restLine = ''
  let perfShown = 0
  for (const entry of rest) {
    const piece = `${restLine ? ' ' : '| '}${entry}`
    if (used + bytes(restLine) + bytes(piece) + 1 > maxBytes - NOTE_BYTES) break
    restLine += piece
    perfShown++
  }
  const leftOut = details.length - shown
  const perfLeftOut = rest.length - perfShown
  if (leftOut > 0 || perfLeftOut > 0) {
    const what = [leftOut > 0 ? `${leftOut} more lines` : '', perfLeftOut > 0 ? `${perfLeftOut} more perfdata` : ''].filter(Boolean)
    lines.push(`… ${what.join(', ')} (output limit ${maxBytes} bytes)`)
  }
  if (restLine) lines.push(restLine)
  return { output: `${lines.join('\n')}\n`, code: NAGIOS[state], state }
}

/** The state of a run and its summary, as items (the first one is a count). */
function verdict(results: readonly CheckResult[], errors: readonly string[]): { state: NagiosState; summary: string[] } {
  const ran = results.filter((r) => r.status !== 'skip')
  const { passed, degraded, leftOut } = summarize(results)
  const failed = ran.filter((r) => r.status === 'fail')
  const named = (list: readonly CheckResult[]): string[] => list.map((r) => `${r.key} (${headline(r)})`)
  const group = (list: readonly CheckResult[], what: string): string[] =>
    list.length === 0 ? [] : [`${list.length} of ${ran.length} ${what}: ${named(list)[0]}`, ...named(list).slice(1)]
  const notSelected = leftOut ? `, ${leftOut} not selected` : ''
  if (failed.some((r) => r.tier === 'smoke')) {
    return { state: 'CRITICAL', summary: group(failed, 'checks failed') }
  }
  if (errors.length > 0) {
    return { state: 'UNKNOWN', summary: [`the run did not complete: ${firstLine(errors[0] ?? '')}`] }
  }
  if (ran.length === 0) {
    return { state: 'UNKNOWN', summary: [`no check ran${notSelected}: nothing says the service is healthy`] }
  }
  if (failed.length > 0 || degraded > 0) {
    const warned = ran.filter((r) => r.status === 'warn')
    return { state: 'WARNING', summary: [...group(failed, 'diagnostic checks failed'), ...group(warned, 'checks degraded')] }
  }
  return { state: 'OK', summary: [`${passed} checks passed${notSelected}`] }
}

/** One line a check, then the cause of each failing or degraded one, indented. */
function* longOutput(results: readonly CheckResult[], errors: readonly string[]): Generator<string> {
  for (const error of errors) yield clean(`ERROR ${firstLine(error)}`)
  for (const r of results) {
    if (r.status === 'skip') continue
    const latency = r.timed ? ` ${r.latencyMs} ms` : ''
    yield clean(`${r.status.toUpperCase()} ${r.key} [${r.tier}, ${r.file}]${latency}`)
    if (r.status !== 'pass') for (const line of r.cause) yield clean(`  ${line}`)
  }
}

/**
 * Perfdata of each timed check, `'label'=value ms;warn;crit;0;` (plugin guidelines): warn from
 * `warnLatencyMs`, crit from `maxLatencyMs`, labels unique and free of `'`, `=`, `|` and line
 * breaks.
 */
function perfdata(results: readonly CheckResult[]): string[] {
  const taken = new Set<string>()
  return results.map((r) => {
    const base = r.key.replace(/['"=|\\]|[^\P{Cc}]/gu, '_').slice(0, MAX_LABEL)
    let label = base
    for (let n = 2; taken.has(label); n++) label = `${base.slice(0, MAX_LABEL - 4)} #${n}`
    taken.add(label)
    const value = (ms: number | undefined): string => (ms === undefined ? '' : String(Math.round(ms * 100) / 100))
    return `'${label}'=${value(r.latencyMs)}ms;${value(r.warnBudgetMs)};${value(r.budgetMs)};0;`
  })
}

/**
 * Items joined with `, ` within `max` bytes, cut at an item with `… N more`. Not `; `: Nagios
 * writes a `;` of plugin output as `:` (its status file and commands use `;`).
 */
function cutItems(items: readonly string[], max: number): string {
  const all = items.map(clean)
  let out = ''
  for (const [i, item] of all.entries()) {
    const piece = i === 0 ? item : `, ${item}`
    const more = all.length - i
    const tail = ` … ${more} more`
    if (bytes(out) + bytes(piece) + (i < all.length - 1 ? bytes(tail) : 0) > max) {
      if (i === 0) return cutBytes(item, max - bytes(tail)) + tail
      return out + tail
    }
    out += piece
  }
  return out
}

/** One line of text for Nagios: printable, no `|` (it starts the perfdata). */
function clean(text: string): string {
  return text.replace(/\|/g, '/').replace(/[\r\n]+/g, ' ')
}

/**
 * The first meaningful line of an error: Vitest frames some (a file that does not parse) in
 * box-drawing lines, which say nothing.
 */
function firstLine(text: string): string {
  const lines = safeMessage(text)
    .split('\n')
    .map((line) => line.replace(/[\u2500-\u257f\u23af]+/g, ' ').trim())
    .filter((line) => /[\p{L}\p{N}]/u.test(line))
  // `Transform failed with 1 error:` says where the detail is: on the next line
  const [first = 'an error outside any check', next] = lines
  return first.endsWith(':') && next ? `${first} ${next}` : first
}

function bytes(text: string): number {
  return Buffer.byteLength(text)
}

function cutBytes(text: string, max: number): string {
  if (bytes(text) <= max) return text
  let cut = text.slice(0, Math.max(0, max))
  while (bytes(cut) > max - 3 && cut.length > 0) cut = cut.slice(0, -1)
  return `${cut}…`
}
