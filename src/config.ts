/**
 * `defineProdProject()`: the Vitest project that runs production checks.
 *
 * @module
 */
import { fileURLToPath } from 'node:url'
import type { TestProjectInlineConfiguration, TestTagDefinition } from 'vitest/config'
import { DEFAULT_TIMEOUT_MS } from './probe.ts'

export type { ProdcheckMatchers } from '../matchers/types.ts'

/** Options of {@link defineProdProject}. */
export interface ProdProjectOptions {
  /** Project name. Default `prod` (run it with `vitest run --project prod`). */
  name?: string
  /** Globs of check files. Default `prod-tests/**\/*.{test,spec}.?(c|m)[jt]s`. */
  include?: string[]
  /** Default deadline of every check, in ms. Default 5000. The test timeout is set 1 s above it. */
  timeoutMs?: number
  /** Retries of a failed check. Default 0. */
  retry?: number
  /** Checks run at once within a file. Default 100. */
  maxConcurrency?: number
  /** Worker threads running check files in parallel (checks are I/O-bound, not CPU-bound). Default 4. */
  maxWorkers?: number
  /** More tags, besides `smoke` and `diagnostic`. */
  tags?: TestTagDefinition[]
}

/** The check files `defineProdProject` includes by default. */
export const DEFAULT_INCLUDE = ['prod-tests/**/*.{test,spec}.?(c|m)[jt]s']

/**
 * `sequence.groupOrder` of the prod project. Vitest refuses to run projects with different
 * `maxWorkers` in the same group, so a plain `vitest run` of a config with a unit project
 * and the prod project runs the unit tests first (group 0), then the checks.
 */
export const PROD_GROUP_ORDER = 1

/** The two tiers every check belongs to. */
export const TIER_TAGS: TestTagDefinition[] = [
  { name: 'smoke', description: 'cheap checks that answer "does it work?"; safe to run every few seconds' },
  { name: 'diagnostic', description: 'finer checks that answer "why not?"; may be slower' },
]

/**
 * A Vitest project for production checks: the `prod-tests/` files, the prodcheck
 * environment and matchers, concurrent checks, the `smoke` / `diagnostic` tags, and a
 * test timeout just above the check deadline.
 *
 * @example
 * // vitest.config.ts
 * import { defineConfig } from 'vitest/config'
 * import { defineProdProject } from 'prodcheck/config'
 * export default defineConfig({ test: { projects: [{ test: { name: 'unit', include: ['test/**\/*.test.ts'] } }, defineProdProject()] } })
 */
export function defineProdProject(options: ProdProjectOptions = {}): TestProjectInlineConfiguration {
  const timeoutMs = positive('timeoutMs', options.timeoutMs) ?? DEFAULT_TIMEOUT_MS
  const extraTags = options.tags ?? []
  for (const tag of extraTags) {
    if (TIER_TAGS.some((tier) => tier.name === tag.name)) throw new TypeError(`defineProdProject: the tag "${tag.name}" is already declared by prodcheck`)
  }
  return {
    test: {
      name: options.name ?? 'prod',
      include: options.include ?? DEFAULT_INCLUDE,
      environment: sibling('environment'),
      environmentOptions: { prodcheck: { timeoutMs } },
      setupFiles: [sibling('vitest')],
      runner: sibling('runner'),
      testTimeout: timeoutMs + 1000,
      hookTimeout: timeoutMs + 1000,
      retry: whole('retry', options.retry) ?? 0,
      maxConcurrency: positive('maxConcurrency', options.maxConcurrency) ?? 100,
      tags: [...TIER_TAGS, ...extraTags],
      // checks wait on the network, not the CPU: more workers than cores, no per-file isolation cost
      pool: 'threads',
      isolate: false,
      fileParallelism: true,
      maxWorkers: positive('maxWorkers', options.maxWorkers) ?? 4,
      // a project with its own maxWorkers needs its own group; checks run after the other projects
      sequence: { groupOrder: PROD_GROUP_ORDER },
    },
  }
}

/** Absolute path of a module next to this one (`.ts` when running from source, `.js` from dist). */
function sibling(name: string): string {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  return fileURLToPath(new URL(`./${name}${extension}`, import.meta.url))
}

function positive(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`defineProdProject: ${name} must be a positive number, got ${String(value)}`)
  return value
}

function whole(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isInteger(value) || value < 0) throw new TypeError(`defineProdProject: ${name} must be a whole number, got ${String(value)}`)
  return value
}
