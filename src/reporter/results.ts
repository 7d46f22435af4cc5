/**
 * The results of a run, check by check, as reporters and `prodcheck serve` see them:
 * read from Vitest's test cases and the records the matchers leave on them.
 * Runner side: no driver is imported here.
 *
 * @module
 */
import { relative } from 'node:path'
import type { TestCase, TestModule } from 'vitest/node'
import type { CheckRecord } from '../check-record.ts'
import { redact } from '../redact.ts'

export type { CheckRecord }

/** A check's tier: its `smoke` tag, else diagnostic. */
export type Tier = 'smoke' | 'diagnostic'

/** pass; warn = passed only after a retry (degraded); fail; skip = not run (filtered out). */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip'

/** One test of the prod project and what its checks saw. */
export interface CheckResult {
  /** Vitest's id of the test (stable across runs of the same file). */
  id: string
  /** Test name, with its describe blocks (`db > accepts connections`). */
  name: string
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
  return modules.flatMap((module) => [...module.children.allTests()].map((test) => toResult(test, relative(root, module.moduleId))))
}

function toResult(test: TestCase, file: string): CheckResult {
  const result = test.result()
  const diagnostic = test.diagnostic()
  const checks = ((test.meta() as { prodcheck?: CheckRecord[] }).prodcheck ?? []).map((check) => ({ ...check, target: redact(check.target), summary: redact(check.summary) }))
  const status: CheckStatus =
    result.state === 'failed' ? 'fail' : result.state === 'passed' ? (diagnostic?.flaky || (diagnostic?.retryCount ?? 0) > 0 ? 'warn' : 'pass') : 'skip'
  const recorded = checks.reduce((sum, check) => sum + check.latencyMs, 0)
  const end = diagnostic ? diagnostic.startTime + diagnostic.duration : Date.now()
  // after retries, the last error is the one of the attempt that counts
  const error = result.state === 'failed' ? result.errors?.at(-1) : undefined
  return {
    id: test.id,
    name: test.fullName,
    file,
    tier: test.tags.includes('smoke') ? 'smoke' : 'diagnostic',
    tags: [...test.tags],
    status,
    latencyMs: Math.round((checks.length > 0 ? recorded : (diagnostic?.duration ?? 0)) * 100) / 100,
    time: new Date(end).toISOString(),
    retries: diagnostic?.retryCount ?? 0,
    checks,
    ...(checks.length > 0 && checks.every((check) => typeof check.budgetMs === 'number') && { budgetMs: checks.reduce((sum, check) => sum + (check.budgetMs ?? 0), 0) }),
    ...(error && { message: redact(error.message ?? String(error)) }),
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
