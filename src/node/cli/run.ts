/**
 * `prodcheck run`: runs the checks once (or until they pass, with `--wait`), writes the
 * report to stdout (or `--output`), logs to stderr, and exits 0 (all pass), 1 (a check
 * failed) or 2 (usage or configuration error); Nagios codes with `--format nagios`.
 *
 * @module
 */
import { writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { type CheckResult, safeMessage } from '../results.ts'
import { summaryLine } from '../reporter/table.ts'
import { parseFlags } from './args.ts'
import { parseDuration } from './duration.ts'
import { NAGIOS, nagios } from '../reporter/nagios.ts'
import { FORMATS, type Format, formatReport } from './formats.ts'
import { openSession, type RunOutcome } from '../session.ts'
import { UsageError } from './usage-error.ts'

export const RUN_HELP = `Usage: prodcheck run [file filters…] [options]

Runs the checks of the prod project once and reports them.

Options:
  --project <name>     Vitest project to run (default: prod)
  --smoke              only the smoke checks
  --diagnostic         only the diagnostic checks (untagged ones included)
  --diagnose           with --smoke: when a smoke check fails, run the diagnostic checks
                       too, and report them with it (a CI gate, a cron job)
  --format <format>    text (default), json (health+json), junit, tap, nagios
  --output <file>      write the report there instead of stdout
  --timeout <duration> deadline of every check (e.g. 2s, 500ms), both tiers
  --wait <duration>    rerun the failing checks until they pass or this time is up (e.g. 2m)
  --max-bytes <n>      with --format nagios: keep the whole output within n bytes
                       (1024 for a classic NRPE packet; default 8192); the first line
                       always fits 1024 bytes
  -h, --help           this help

Exit codes: 0 all checks pass, 1 a check failed, 2 usage or configuration error.
With --format nagios: 0 OK; 1 WARNING (a diagnostic check failed, or a check is degraded);
2 CRITICAL (a smoke check failed); 3 UNKNOWN (no check ran, or the run did not complete).`

/** Seconds between two rounds of `--wait`. */
const WAIT_ROUND_MS = 3000

/**
 * Runs `prodcheck run` with its arguments; returns the exit code.
 *
 * @example
 * process.exitCode = await runCommand(['--smoke', '--format', 'json'])
 */
export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      project: { type: 'string' },
      smoke: { type: 'boolean' },
      diagnostic: { type: 'boolean' },
      format: { type: 'string' },
      output: { type: 'string' },
      timeout: { type: 'string' },
      wait: { type: 'string' },
      'max-bytes': { type: 'string' },
      diagnose: { type: 'boolean' },
    },
    'run',
  )
  if (values.help) {
    process.stdout.write(`${RUN_HELP}\n`)
    return 0
  }
  const format = (values.format ?? 'text') as Format
  if (!FORMATS.includes(format)) throw new UsageError(`--format takes one of ${FORMATS.join(', ')}; got ${JSON.stringify(values.format)}`)
  try {
    return await run(values, positionals, format)
  } catch (error) {
    // a plugin that could not tell says UNKNOWN, on one line, whatever went wrong
    if (format === 'nagios') {
      const message = error instanceof Error ? error.message : String(error)
      process.stdout.write(
        `PRODCHECK UNKNOWN - ${error instanceof UsageError ? '' : 'error: '}${safeMessage(message).split('\n')[0]?.replace(/\|/g, '/')}\n`,
      )
      return NAGIOS.UNKNOWN
    }
    throw error
  }
}

async function run(values: Record<string, unknown>, filters: string[], format: Format): Promise<number> {
  if (values.smoke && values.diagnostic) throw new UsageError('--smoke and --diagnostic exclude each other (give neither to run both tiers)')
  if (values.diagnose && !values.smoke)
    throw new UsageError('--diagnose goes with --smoke: the smoke checks first, the diagnostic ones only if one fails')
  if (values.timeout !== undefined) process.env.PRODCHECK_TIMEOUT_MS = String(parseDuration(String(values.timeout), '--timeout'))
  const waitMs = values.wait === undefined ? 0 : parseDuration(String(values.wait), '--wait')
  const maxBytes = values['max-bytes'] === undefined ? undefined : parseMaxBytes(String(values['max-bytes']))
  const tier = values.smoke ? 'smoke' : values.diagnostic ? 'diagnostic' : undefined
  const deadline = Date.now() + waitMs

  const session = await openSession({ project: String(values.project ?? 'prod'), filters, ...(tier && { tier }) })
  let outcome: RunOutcome
  try {
    outcome = await session.runAll()
    log(`prodcheck: ${summaryLine(outcome.results)}`)
    let results = outcome.results
    for (let round = 2; waitMs > 0 && outcome.errors.length === 0 && failing(results).length > 0 && Date.now() < deadline; round++) {
      const pause = Math.min(WAIT_ROUND_MS, deadline - Date.now())
      log(`prodcheck: ${failing(results).length} failing, retrying in ${Math.round(pause / 100) / 10} s (until ${new Date(deadline).toISOString()})`)
      await sleep(pause)
      const again = await session.rerun(failing(results))
      results = merge(results, again.results)
      outcome = { ...again, startedAt: outcome.startedAt, results }
      log(`prodcheck: round ${round}: ${summaryLine(results)}`)
    }
  } finally {
    await session.close()
  }
  // --diagnose: the smoke checks failed, so the diagnostic ones say why, reported with them
  if (values.diagnose && failing(outcome.results).length > 0) {
    log(`prodcheck: ${failing(outcome.results).length} smoke checks failed: running the diagnostic checks (--diagnose)`)
    const diagnostic = await openSession({ project: String(values.project ?? 'prod'), filters, tier: 'diagnostic' })
    try {
      const diagnosis = await diagnostic.runAll()
      outcome = { ...outcome, results: merge(outcome.results, diagnosis.results), errors: [...outcome.errors, ...diagnosis.errors] }
      log(`prodcheck: diagnosis: ${summaryLine(diagnosis.results)}`)
    } finally {
      await diagnostic.close()
    }
  }
  const report = formatReport(format, outcome.results, outcome.errors, maxBytes)
  if (values.output) writeFileSync(String(values.output), report)
  else process.stdout.write(report)
  if (format === 'nagios') return nagios(outcome.results, outcome.errors).code
  return outcome.errors.length > 0 || failing(outcome.results).length > 0 ? 1 : 0
}

function parseMaxBytes(text: string): number {
  const n = Number(text)
  if (!/^\d+$/.test(text) || n < 256 || n > 1_048_576)
    throw new UsageError(`--max-bytes takes a number of bytes from 256 to 1048576; got ${JSON.stringify(text)}`)
  return n
}

function failing(results: readonly CheckResult[]): CheckResult[] {
  return results.filter((r) => r.status === 'fail')
}

/** The earlier results, with those rerun replaced by their new result. */
function merge(before: readonly CheckResult[], after: readonly CheckResult[]): CheckResult[] {
  const latest = new Map(after.filter((r) => r.status !== 'skip').map((r) => [r.id, r]))
  return before.map((r) => latest.get(r.id) ?? r)
}

function log(line: string): void {
  process.stderr.write(`${line}\n`)
}
