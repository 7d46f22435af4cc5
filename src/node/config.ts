/**
 * `defineProdProject()`: the Vitest project that runs production checks.
 *
 * @module
 */
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { keepWorkersAsked, keptThreadsPool } from './kept-workers.ts'
import { redactProcessOutput } from './output-redaction.ts'
import type { TestProjectInlineConfiguration, TestTagDefinition } from 'vitest/config'
import { DEFAULT_TIMEOUT_MS, TEST_TIMEOUT_MARGIN_MS } from '../core/deadline.ts'

export type { ProdcheckMatchers } from '../../matchers/types.ts'

/** Options of {@link defineProdProject}. */
export interface ProdProjectOptions {
  /** Project name. Default `prod` (run it with `vitest run --project prod`). */
  name?: string
  /** Globs of check files. Default `prod-tests/**\/*.{test,spec}.?(c|m)[jt]s`. */
  include?: string[]
  /** Deadline of every diagnostic (and untagged) check, in ms. Default 5000. */
  timeoutMs?: number
  /** Deadline of every smoke check, in ms. Default 2000 (at most `timeoutMs`): smoke checks are cheap or they are not smoke. */
  smokeTimeoutMs?: number
  /**
   * Retries of a failed diagnostic (or untagged) check, for flaky networks: a count, or
   * `{ count, delay }` (delay in ms). Default 0. Smoke checks are never retried. A check that
   * passes only after a retry is reported as degraded (`warn`), not as a clean pass.
   */
  retry?: number | { count: number; delay?: number }
  /**
   * Checks run at once within a file. Default 100. Under `serve`, whose one thread runs every
   * file of a run at the same time, checks at once in that thread: this × `maxWorkers`.
   */
  maxConcurrency?: number
  /**
   * Worker threads running check files in parallel. Default: the available cores, at least 2
   * and at most 8. Checks wait on the network, but each worker costs CPU to start: on 2 cores,
   * 4 workers ran 10 files of checks 0.5 s slower than 2 (bench/RESULTS.md). `serve` runs a
   * tier on one kept thread instead, every file of a run at the same time (decision 0020).
   */
  maxWorkers?: number
  /** More tags, besides `smoke` and `diagnostic`. */
  tags?: TestTagDefinition[]
}

/**
 * Worker threads `serve` keeps from one run to the next, at most: each holds some 50–90 MiB
 * (its heap after a run of 200 checks). A tier runs on one thread (decision 0020): two let the
 * smoke and the diagnostic tiers run at the same time on kept threads.
 */
const MAX_KEPT_THREADS = 2

/** The check files `defineProdProject` includes by default. */
export const DEFAULT_INCLUDE = ['prod-tests/**/*.{test,spec}.?(c|m)[jt]s']

/** Environment variable that overrides every check deadline (set by `prodcheck run --timeout`). */
export const TIMEOUT_VARIABLE = 'PRODCHECK_TIMEOUT_MS'

/** Default deadline of a smoke check. */
export const DEFAULT_SMOKE_TIMEOUT_MS = 2000

/**
 * `sequence.groupOrder` of the prod project. Vitest refuses to run projects with different
 * `maxWorkers` in the same group, so a plain `vitest run` of a config with a unit project
 * and the prod project runs the unit tests first (group 0), then the checks.
 */
export const PROD_GROUP_ORDER = 1

/** The tier tags, with their descriptions. */
export const TIERS = {
  smoke: 'cheap checks that answer "does it work?"; safe to run every few seconds',
  diagnostic: 'finer checks that answer "why not?"; may be slower (checks without a tier count as diagnostic)',
} as const

/**
 * A Vitest project for production checks: the `prod-tests/` files, the prodcheck
 * environment and matchers, concurrent checks, the `smoke` / `diagnostic` tags with their
 * own deadlines and retries, and test timeouts just above the check deadlines.
 *
 * @example
 * // vitest.config.ts
 * import { defineConfig } from 'vitest/config'
 * import { defineProdProject } from 'prodcheck/config'
 * export default defineConfig({ test: { projects: [{ test: { name: 'unit', include: ['test/**\/*.test.ts'] } }, defineProdProject()] } })
 */
export function defineProdProject(options: ProdProjectOptions = {}): TestProjectInlineConfiguration {
  // what Vitest prints in this process (code frames of the check files, names) is redacted too
  redactProcessOutput()
  // `prodcheck run --timeout` sets one deadline for every check, both tiers
  const forced = process.env[TIMEOUT_VARIABLE] ? positive(TIMEOUT_VARIABLE, Number(process.env[TIMEOUT_VARIABLE])) : undefined
  const timeoutMs = forced ?? positive('timeoutMs', options.timeoutMs) ?? DEFAULT_TIMEOUT_MS
  const smokeTimeoutMs = forced ?? positive('smokeTimeoutMs', options.smokeTimeoutMs) ?? Math.min(DEFAULT_SMOKE_TIMEOUT_MS, timeoutMs)
  const retry = checkRetry(options.retry)
  const extraTags = options.tags ?? []
  for (const tag of extraTags) {
    if (tag.name in TIERS) throw new TypeError(`defineProdProject: the tag "${tag.name}" is already declared by prodcheck`)
  }
  const tiers: TestTagDefinition[] = [
    // smoke wins (lower priority number) if a check carries both tags
    {
      name: 'smoke',
      description: TIERS.smoke,
      priority: 1,
      timeout: smokeTimeoutMs + TEST_TIMEOUT_MARGIN_MS,
      retry: 0,
      meta: deadline(smokeTimeoutMs),
    },
    { name: 'diagnostic', description: TIERS.diagnostic, priority: 2, timeout: timeoutMs + TEST_TIMEOUT_MARGIN_MS, retry, meta: deadline(timeoutMs) },
  ]
  const maxWorkers = positive('maxWorkers', options.maxWorkers) ?? Math.min(8, Math.max(2, availableParallelism()))
  const maxConcurrency = positive('maxConcurrency', options.maxConcurrency) ?? 100
  // serve: one kept thread runs every file of a run at the same time (worker/kept-worker.ts)
  const keep = keepWorkersAsked()
  return {
    test: {
      name: options.name ?? 'prod',
      include: options.include ?? DEFAULT_INCLUDE,
      environment: worker('environment'),
      environmentOptions: { prodcheck: { timeoutMs } },
      setupFiles: [worker('vitest')],
      runner: worker('runner'),
      // untagged checks count as diagnostic
      testTimeout: timeoutMs + TEST_TIMEOUT_MARGIN_MS,
      hookTimeout: timeoutMs + TEST_TIMEOUT_MARGIN_MS,
      retry,
      maxConcurrency: keep ? maxConcurrency * maxWorkers : maxConcurrency,
      tags: [...tiers, ...extraTags],
      // checks wait on the network, not the CPU: more workers than cores, no per-file isolation cost
      // (serve keeps the threads from one run to the next: node/kept-workers.ts)
      pool: keep ? keptThreadsPool(MAX_KEPT_THREADS) : 'threads',
      isolate: false,
      fileParallelism: true,
      maxWorkers: keep ? 1 : maxWorkers,
      // a project with its own maxWorkers needs its own group; checks run after the other projects
      sequence: { groupOrder: PROD_GROUP_ORDER },
    },
  }
}

/** Tag meta carrying a tier's check deadline to the matchers (`task.meta.prodcheckTimeoutMs`). */
function deadline(timeoutMs: number): TestTagDefinition['meta'] {
  return { prodcheckTimeoutMs: timeoutMs } as TestTagDefinition['meta']
}

/** Absolute path of a module of the worker side (`.ts` when running from source, `.js` from dist), which Vitest loads in its workers. */
function worker(name: string): string {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  return fileURLToPath(new URL(`../worker/${name}${extension}`, import.meta.url))
}

function positive(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new TypeError(`defineProdProject: ${name} must be a positive number, got ${String(value)}`)
  return value
}

function checkRetry(retry: ProdProjectOptions['retry']): number | { count: number; delay: number } {
  if (retry === undefined) return 0
  const { count, delay = 0 } = typeof retry === 'number' ? { count: retry } : (retry ?? {})
  if (!Number.isInteger(count) || (count as number) < 0 || !Number.isFinite(delay) || delay < 0) {
    throw new TypeError(`defineProdProject: retry must be a whole number, or { count, delay } with a delay in ms; got ${JSON.stringify(retry)}`)
  }
  return delay > 0 ? { count: count as number, delay } : (count as number)
}
