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
import type { TestCase, TestModule } from 'vitest/node'
import type { CheckRecord } from '../core/check-record.ts'
import { redact, registerEnvSecrets } from '../core/redact.ts'
import { cutLines, MAX_LINE_CHARS, MAX_LINES, peerText } from '../core/text.ts'

export type { CheckRecord }

/** A check's tier: its `smoke` tag, else diagnostic. */
export type Tier = 'smoke' | 'diagnostic'

/** pass; warn = passed only after a retry (degraded); fail; skip = not run (filtered out). */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip'

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
  /** Latency of the checks (the sum over a test's checks), or the test duration when none recorded one. */
  latencyMs: number
  /** When the test finished. */
  time: string
  /** Attempts beyond the first. */
  retries: number
  /** The checks the test ran, in order. */
  checks: CheckRecord[]
  /** The latency budget of the test: the sum of its checks' budgets, when every check has one. */
  budgetMs?: number
  /** Why it failed: the matcher's message (redacted). */
  message?: string
}

/**
 * Every test of the run as a {@link CheckResult}.
 *
 * @example
 * onTestRunEnd(modules) { const results = collectResults(modules, this.vitest.config.root) }
 */
export function collectResults(modules: ReadonlyArray<TestModule>, root: string): CheckResult[] {
  return withKeys(modules.flatMap((module) => [...module.children.allTests()].map((test) => toResult(test, relative(root, module.moduleId)))))
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

/** A message, safe in every output: redacted, every line printable and cut, at most so many lines. */
export function safeMessage(text: string): string {
  const window = text.length > 64 * 1024 ? text.slice(0, 64 * 1024) : text
  return cutLines(redact(window).split('\n').map((line) => peerText(line.replace(/\r$/, ''), MAX_LINE_CHARS)), MAX_LINES).join('\n')
}

function toResult(test: TestCase, file: string): Omit<CheckResult, 'key'> {
  const result = test.result()
  const diagnostic = test.diagnostic()
  const checks = ((test.meta() as { prodcheck?: CheckRecord[] }).prodcheck ?? []).map((check) => ({ ...check, target: safeName(String(check.target)), summary: peerText(String(check.summary), MAX_LINE_CHARS) }))
  const status: CheckStatus =
    result.state === 'failed' ? 'fail' : result.state === 'passed' ? (diagnostic?.flaky || (diagnostic?.retryCount ?? 0) > 0 ? 'warn' : 'pass') : 'skip'
  const recorded = checks.reduce((sum, check) => sum + check.latencyMs, 0)
  const end = diagnostic ? diagnostic.startTime + diagnostic.duration : Date.now()
  // after retries, the last error is the one of the attempt that counts
  const error = result.state === 'failed' ? result.errors?.at(-1) : undefined
  return {
    id: test.id,
    name: safeName(test.fullName),
    file: safeName(file),
    tier: test.tags.includes('smoke') ? 'smoke' : 'diagnostic',
    tags: [...test.tags],
    status,
    latencyMs: Math.round((checks.length > 0 ? recorded : (diagnostic?.duration ?? 0)) * 100) / 100,
    time: new Date(end).toISOString(),
    retries: diagnostic?.retryCount ?? 0,
    checks,
    ...(checks.length > 0 && checks.every((check) => typeof check.budgetMs === 'number') && { budgetMs: checks.reduce((sum, check) => sum + (check.budgetMs ?? 0), 0) }),
    ...(error && { message: safeMessage(String(error.message ?? error)) }),
  }
}

/**
 * Counts by status, and the slowest check run.
 *
 * @example
 * summarize(results) // { passed: 12, degraded: 0, failed: 1, skipped: 0, slowest: { name: 'db', latencyMs: 840 } }
 */
export function summarize(results: readonly CheckResult[]): { passed: number; degraded: number; failed: number; skipped: number; slowest?: { name: string; latencyMs: number } } {
  const count = (status: CheckStatus): number => results.filter((r) => r.status === status).length
  const ran = results.filter((r) => r.status !== 'skip')
  const slowest = ran.reduce<CheckResult | undefined>((max, r) => (!max || r.latencyMs > max.latencyMs ? r : max), undefined)
  return { passed: count('pass'), degraded: count('warn'), failed: count('fail'), skipped: count('skip'), ...(slowest && { slowest: { name: slowest.name, latencyMs: slowest.latencyMs } }) }
}
