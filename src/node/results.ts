/**
 * The results of a run, check by check, as reporters and `prodcheck serve` see them:
 * read from Vitest's test cases and the records the matchers leave on them.
 * Runner side: no driver is imported here.
 *
 * Every text is made safe here, once, for every output: redacted with the registry of this
 * process (its own environment's secrets, registered by {@link registerRunnerSecrets}, and
 * the URL patterns), control characters escaped, names on one line and cut. Each result
 * gets a `key` unique in the run, so that checks with the same name stay distinct in
 * health+json, `/metrics`, Nagios perfdata and the history of `serve`.
 *
 * @module
 */
import { relative } from 'node:path'
import type { TestCase, TestModule, TestSuite } from 'vitest/node'
import type { CheckRecord, CheckStatus as RecordStatus, ComponentType, Tier } from '../core/task-meta.ts'
import { redact, registerEnvSecrets } from '../core/redact.ts'
import { cutLines, MAX_LINE_CHARS, MAX_LINES, peerText, plural } from '../core/text.ts'

export type { CheckRecord, ComponentType, Tier }

/** pass; warn = degraded (a check over a soft threshold, or a pass after a retry); fail; skip = not run. */
export type CheckStatus = RecordStatus | 'skip'

/** Why a test did not run: left out by the tier or tag filter; `test.skip` / `skipIf`; `test.todo`. */
export type SkipReason = 'filtered' | 'skipped' | 'todo'

/** One test of the prod project and what its checks saw. */
export interface CheckResult {
  /** Vitest's id of the test (stable across runs of the same file). */
  id: string
  /** Test name, with its describe blocks (`db > accepts connections`): redacted, one line. */
  name: string
  /** The name, made unique in the run: `name`, else `name (file)`, else `name (file) #n`. */
  key: string
  /** Check file, relative to the root. */
  file: string
  tier: Tier
  tags: string[]
  status: CheckStatus
  /** Why it did not run, when `status` is `skip`. */
  skipReason?: SkipReason
  /** Latency of the checks (the sum over a test's timed checks), or the test duration when none was timed. */
  latencyMs: number
  /** False when no check of the test was timed (environment and version checks only): `latencyMs` is the test's duration. */
  timed: boolean
  /** When the test finished. */
  time: string
  /** Attempts beyond the first. */
  retries: number
  /** The checks the test ran, in order. */
  checks: CheckRecord[]
  /** The latency budget of the test: the sum of its checks' budgets, when every timed check has one. */
  budgetMs?: number
  /** The soft latency threshold of the test: the sum of its checks' `warnLatencyMs`, when every timed check has one. */
  warnBudgetMs?: number
  /** What the health+json document calls the test (from its first check; `component` without one). */
  componentType: ComponentType
  /**
   * Why it failed or is degraded, one line each: every failure (or error) of each failing
   * check, then its fix; for a test that failed outside any check (a plain assertion, a
   * thrown error, a failed hook), the first lines of its error.
   */
  cause: string[]
  /** The error of the test as the runner printed it (redacted): the matcher message, or the thrown error. */
  message?: string
}

/**
 * Every test of the run as a {@link CheckResult}, in one order every output keeps: file by
 * file in the order of their paths, each file's tests as defined. `selected` says which tags the run asked for, so that a
 * test it left out is told apart (`skipReason: 'filtered'`) from one skipped in its file.
 *
 * @example
 * onTestRunEnd(modules) { const results = collectResults(modules, this.vitest.config.root) }
 */
export function collectResults(
  modules: ReadonlyArray<TestModule>,
  root: string,
  selected: (tags: readonly string[]) => boolean = () => true,
): CheckResult[] {
  // files in the order of their paths: Vitest lists them as they finished, which varies
  const files = modules
    .map((module) => ({ module, file: relative(root, module.moduleId) }))
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
  return withKeys(files.flatMap(({ module, file }) => [...module.children.allTests()].map((test) => toResult(test, file, selected))))
}

/**
 * Registers the secrets of this process's environment for redaction: the runner side
 * (CLI, reporter, serve) redacts with the same rules as the test worker.
 *
 * @example
 * registerRunnerSecrets()
 */
export function registerRunnerSecrets(env: Record<string, string | undefined> = process.env): void {
  registerEnvSecrets(env)
}

/** Gives every result a key unique in the run (see {@link CheckResult.key}). */
export function withKeys<T extends Omit<CheckResult, 'key'>>(results: readonly T[]): Array<T & { key: string }> {
  const byName = countBy(results, (r) => r.name)
  const byFile = countBy(results, (r) => `${r.name} (${r.file})`)
  // every name is taken first: a key made for one check may not be another check's name
  const taken = new Set(results.map((r) => r.name))
  const seen = new Map<string, number>()
  return results.map((result) => {
    if (byName.get(result.name) === 1) return { ...result, key: result.name }
    const inFile = `${result.name} (${result.file})`
    let key = inFile
    if (byFile.get(inFile) !== 1 || taken.has(inFile)) {
      do {
        const n = (seen.get(inFile) ?? 0) + 1
        seen.set(inFile, n)
        key = `${inFile} #${n}`
      } while (taken.has(key))
    }
    taken.add(key)
    return { ...result, key }
  })
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>()
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1)
  return counts
}

/**
 * The name of a result with its file, unique in the run: `name (file)`, or its key when the
 * key already says the file.
 *
 * @example
 * nameWithFile(result) // 'api is up (prod-tests/api.test.ts)'
 */
export function nameWithFile(result: Pick<CheckResult, 'name' | 'key' | 'file'>): string {
  return result.key === result.name ? `${result.name} (${result.file})` : result.key
}

/** A name or a file path, safe in every output: redacted, on one line, printable, cut. */
function safeName(text: string): string {
  return peerText(text, 200)
}

/** A terminal colour or style sequence (SGR): `ESC [ 31 m`. */
const SGR = /\u001b\[[0-9;]{0,32}m/g

/** A message, safe in every output: redacted, every line printable and cut, at most so many lines. */
export function safeMessage(text: string): string {
  // colours (Vitest paints its errors) say nothing in a report, and would show as `\x1b[31m`
  const window = (text.length > 64 * 1024 ? text.slice(0, 64 * 1024) : text).replace(SGR, '')
  return cutLines(
    redact(window)
      .split('\n')
      .map((line) => peerText(line.replace(/\r$/, ''), MAX_LINE_CHARS)),
    MAX_LINES,
  ).join('\n')
}

function toResult(test: TestCase, file: string, selected: (tags: readonly string[]) => boolean): Omit<CheckResult, 'key'> {
  const result = test.result()
  const diagnostic = test.diagnostic()
  const checks = readRecords((test.meta() as { prodcheck?: unknown }).prodcheck)
  const tier: Tier = test.tags.includes('smoke') ? 'smoke' : 'diagnostic'
  // a test that could not run because a hook of its suite failed has failed: its cause is the hook's
  const hookError = result.state === 'skipped' || result.state === 'pending' ? suiteError(test.parent) : undefined
  const retries = diagnostic?.retryCount ?? 0
  let status: CheckStatus
  if (result.state === 'failed' || hookError) status = 'fail'
  else if (result.state === 'passed') status = diagnostic?.flaky || retries > 0 || checks.some((check) => check.status === 'warn') ? 'warn' : 'pass'
  else status = 'skip'
  const timed = checks.filter((check) => typeof check.latencyMs === 'number')
  const end = diagnostic ? diagnostic.startTime + diagnostic.duration : Date.now()
  // after retries, the last error is the one of the attempt that counts
  const error = result.state === 'failed' ? result.errors?.at(-1) : undefined
  const message = error ? safeMessage(String(error.message ?? error)) : hookError
  const skipReason: SkipReason | undefined =
    status !== 'skip'
      ? undefined
      : test.options.mode === 'todo'
        ? 'todo'
        : selected(test.tags) && test.options.mode === 'skip'
          ? 'skipped'
          : 'filtered'
  return {
    id: test.id,
    name: safeName(test.fullName),
    file: safeName(file),
    tier,
    tags: [...test.tags],
    status,
    ...(skipReason && { skipReason }),
    latencyMs: round(timed.length > 0 ? timed.reduce((sum, check) => sum + (check.latencyMs ?? 0), 0) : (diagnostic?.duration ?? 0)),
    timed: timed.length > 0,
    time: new Date(end).toISOString(),
    retries,
    checks,
    ...sumOf(timed, 'budgetMs'),
    ...sumOf(timed, 'warnBudgetMs'),
    componentType: checks[0]?.componentType ?? 'component',
    cause: causeOf(status, checks, message, retries),
    ...(message && { message }),
  }
}

/** `{ [field]: sum }` of the checks' thresholds when every timed check has one, else nothing. */
function sumOf(timed: readonly CheckRecord[], field: 'budgetMs' | 'warnBudgetMs'): Partial<Record<typeof field, number>> {
  if (timed.length === 0 || !timed.every((check) => typeof check[field] === 'number')) return {}
  return { [field]: timed.reduce((sum, check) => sum + (check[field] ?? 0), 0) }
}

/** The first error of a hook of the suites around a test (`beforeAll` threw), as its message. */
function suiteError(parent: TestSuite | TestModule): string | undefined {
  for (let suite: TestSuite | TestModule | undefined = parent; suite; suite = suite.type === 'suite' ? suite.parent : undefined) {
    const error = suite.errors()[0]
    if (error) return safeMessage(`${suite.type === 'suite' ? `${suite.fullName}: ` : ''}${String(error.message ?? error)}`)
  }
  return undefined
}

/**
 * Why a test failed or is degraded, from its records: each failing check's failures (or its
 * error) and its fix; for a failure outside any check, the first lines of the error.
 */
function causeOf(status: CheckStatus, checks: readonly CheckRecord[], message: string | undefined, retries: number): string[] {
  if (status === 'fail') {
    const failing = checks.filter((check) => check.status === 'fail')
    if (failing.length === 0) return (message ?? 'failed').split('\n').slice(0, 6)
    return failing.flatMap(checkCause)
  }
  if (status === 'warn') {
    const warned = checks
      .filter((check) => check.status === 'warn')
      .flatMap((check) => check.warnings.map((warning) => `${check.matcher} ${check.target}: ${warning}`))
    return retries > 0 ? [...warned, `passed after ${plural(retries, 'retry', 'retries')}`] : warned
  }
  return []
}

/**
 * Why one check failed, one line each: every failure, or its error, then its fix.
 *
 * @example
 * checkCause(record) // ['toRespondHttp http://api/health: status 503, expected 2xx']
 */
export function checkCause(check: CheckRecord): string[] {
  const head = `${check.negated ? 'not.' : ''}${check.matcher} ${check.target}`
  const lines = check.failures.map((failure) => `${head}: ${failure}`)
  if (check.error) lines.push(`${head}: ${check.error.code}: ${check.error.message}`, ...(check.error.hint ? [`fix: ${check.error.hint}`] : []))
  return lines.length > 0 ? lines : [`${head}: ${check.summary}`]
}

/**
 * Why a test failed or is degraded, in one short line for a status line: the first failure
 * (or error) of its first failing check, without the matcher and target; the first soft
 * threshold it crossed; else the first line of its cause.
 *
 * @example
 * headline(result) // 'status 503, expected 2xx'
 */
export function headline(result: CheckResult): string {
  const failing = result.checks.find((check) => check.status === 'fail')
  if (result.status === 'fail' && failing) {
    return failing.failures[0] ?? (failing.error ? `${failing.error.code}: ${failing.error.message}` : failing.summary)
  }
  if (result.status === 'warn') {
    const warned = result.checks.find((check) => check.warnings.length > 0)
    return warned?.warnings[0] ?? (result.retries > 0 ? `passed after ${plural(result.retries, 'retry', 'retries')}` : 'degraded')
  }
  return result.cause[0] ?? result.status
}

const STATUSES = new Set(['pass', 'warn', 'fail'])
const COMPONENT_TYPES = new Set(['component', 'datastore', 'system'])

/**
 * The records of a test, read as data from another process: each field checked for its type,
 * every text redacted here too, made printable and cut; anything else dropped.
 */
function readRecords(raw: unknown): CheckRecord[] {
  if (!Array.isArray(raw)) return []
  return raw.slice(0, 100).flatMap((item): CheckRecord[] => {
    if (!item || typeof item !== 'object') return []
    const r = item as Record<string, unknown>
    const text = (value: unknown): string => safeLine(typeof value === 'string' ? value : '')
    const lines = (value: unknown): string[] => (Array.isArray(value) ? value.slice(0, 13).map(text) : [])
    const ms = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined)
    const error = r.error && typeof r.error === 'object' ? (r.error as Record<string, unknown>) : undefined
    const latencyMs = ms(r.latencyMs)
    const budgetMs = ms(r.budgetMs)
    const warnBudgetMs = ms(r.warnBudgetMs)
    const phases =
      r.phases && typeof r.phases === 'object'
        ? Object.fromEntries(Object.entries(r.phases).flatMap(([name, value]) => (ms(value) === undefined ? [] : [[safeName(name), value]])))
        : undefined
    return [
      {
        matcher: safeName(text(r.matcher)),
        target: safeName(text(r.target)),
        tier: r.tier === 'smoke' ? 'smoke' : 'diagnostic',
        status: STATUSES.has(r.status as string) ? (r.status as RecordStatus) : 'fail',
        ...(r.negated === true && { negated: true }),
        ...(r.notAwaited === true && { notAwaited: true }),
        ...(latencyMs !== undefined && { latencyMs }),
        ...(phases && Object.keys(phases).length > 0 && { phases }),
        ...(budgetMs !== undefined && { budgetMs }),
        ...(warnBudgetMs !== undefined && { warnBudgetMs }),
        expected: text(r.expected),
        summary: text(r.summary),
        failures: lines(r.failures),
        warnings: lines(r.warnings),
        ...(error && {
          error: {
            code: safeName(text(error.code)),
            message: text(error.message),
            ...(typeof error.hint === 'string' && { hint: text(error.hint) }),
          },
        }),
        componentType: COMPONENT_TYPES.has(r.componentType as string) ? (r.componentType as ComponentType) : 'component',
        facts: readFacts(r.facts),
      },
    ]
  })
}

function readFacts(raw: unknown): CheckRecord['facts'] {
  if (!raw || typeof raw !== 'object') return {}
  const facts: Record<string, string | number> = {}
  for (const [name, value] of Object.entries(raw).slice(0, 20)) {
    if (typeof value === 'number' && Number.isFinite(value)) facts[safeName(name)] = value
    else if (typeof value === 'string') facts[safeName(name)] = safeName(value)
  }
  return facts
}

function safeLine(text: string): string {
  return peerText(redact(text.length > 4096 ? text.slice(0, 4096) : text), MAX_LINE_CHARS)
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100
}

/**
 * Counts by status (`skipped`: skipped in their file; `leftOut`: not selected by the tier
 * filter), and the slowest check run.
 *
 * @example
 * summarize(results) // { passed: 12, degraded: 0, failed: 1, skipped: 0, leftOut: 4, slowest: { name: 'db', latencyMs: 840 } }
 */
export function summarize(results: readonly CheckResult[]): {
  passed: number
  degraded: number
  failed: number
  skipped: number
  leftOut: number
  slowest?: { name: string; latencyMs: number }
} {
  const count = (status: CheckStatus): number => results.filter((r) => r.status === status).length
  const ran = results.filter((r) => r.status !== 'skip')
  const slowest = ran.filter((r) => r.timed).reduce<CheckResult | undefined>((max, r) => (!max || r.latencyMs > max.latencyMs ? r : max), undefined)
  const leftOut = results.filter((r) => r.skipReason === 'filtered').length
  return {
    passed: count('pass'),
    degraded: count('warn'),
    failed: count('fail'),
    skipped: count('skip') - leftOut,
    leftOut,
    ...(slowest && { slowest: { name: slowest.name, latencyMs: slowest.latencyMs } }),
  }
}
