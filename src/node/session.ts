/**
 * One Vitest instance running the prod project, for `prodcheck run` and `prodcheck serve`:
 * Vitest's Node API, the user's own `vitest.config.*`, no second test runner. Its output
 * goes to stderr, so that stdout carries only the report. Runner side: no driver here.
 *
 * @module
 */
import { relative, resolve } from 'node:path'
import type { Writable } from 'node:stream'
import type { TestSpecification, Vitest } from 'vitest/node'
import { RECORDS_ONLY_VARIABLE } from '../core/check-record.ts'
import { type CheckResult, collectResults, registerRunnerSecrets, safeMessage, type Tier } from './results.ts'
import { UsageError } from './cli/usage-error.ts'
import { findConfigFile } from './config-file.ts'
import { endKeptWorkers } from './kept-workers.ts'

/** The least margin a run has beyond its longest test timeout before it counts as hung. */
export const RUN_MARGIN_MS = 2000

/** What to run. */
export interface SessionOptions {
  /** Project name. Default `prod`. */
  project: string
  /** File filters, as for `vitest run <filters>`. */
  filters: string[]
  /** One tier only (`--smoke`, `--diagnostic`); default both. */
  tier?: Tier
  /** Vitest reporters for progress (written to `log`). Default: none. */
  reporters?: Array<string | object>
  /** Where Vitest writes. Default: stderr. */
  log?: Writable
  /** Root of the project (where vitest.config.* is). Default: the working directory. */
  root?: string
}

/** The outcome of one run. */
export interface RunOutcome {
  startedAt: Date
  finishedAt: Date
  results: CheckResult[]
  /** Errors outside any check (a crashed file, an unhandled rejection): the run failed. */
  errors: string[]
}

/** A warm Vitest instance for the prod project. */
export interface Session {
  /** Runs every check selected by the options. */
  runAll(): Promise<RunOutcome>
  /** Runs again the given checks only (by file and name). */
  rerun(checks: readonly CheckResult[]): Promise<RunOutcome>
  /** Cancels the run in progress, if any. */
  cancel(): Promise<void>
  /**
   * The deadline of a run: the longest test timeout of the tier (a check's deadline and
   * Vitest's margin) and as much again (at least {@link RUN_MARGIN_MS}); twice that margin for
   * the first run, which also loads the check files.
   */
  runDeadlineMs(): number
  close(): Promise<void>
}

/**
 * Starts Vitest on the project, checking that it exists.
 *
 * @example
 * const session = await openSession({ project: 'prod', filters: [] })
 * const { results } = await session.runAll()
 */
export async function openSession(options: SessionOptions): Promise<Session> {
  // this process redacts what it reports with its own environment's secrets, as the workers do
  registerRunnerSecrets()
  const dir = resolve(options.root ?? process.cwd())
  if (!findConfigFile(dir, { up: true })) {
    throw new UsageError(
      `no Vitest config (vitest.config.* or vite.config.*) in ${dir} or above: run \`npx prodcheck init\` to create one with the prod project`,
    )
  }
  // no Vitest reporter of its own: the workers need not annotate each check (they record it)
  if (!options.reporters) process.env[RECORDS_ONLY_VARIABLE] = '1'
  const { createVitest } = await import('vitest/node')
  const log = options.log ?? process.stderr
  let vitest: Vitest
  try {
    vitest = await createVitest(
      'test',
      {
        run: true,
        watch: false,
        root: options.root,
        project: [options.project],
        // an empty list would mean Vitest's default reporter: a reporter that reports nothing
        reporters: options.reporters ?? [{}],
        ...(options.tier && { tagsFilter: [options.tier === 'smoke' ? 'smoke' : '!smoke'] }),
        passWithNoTests: false,
      },
      {},
      { stdout: log, stderr: log },
    )
  } catch (error) {
    throw describeStartError(error, options.project)
  }
  if (!vitest.projects.some((project) => project.name === options.project)) {
    await vitest.close()
    throw new UsageError(
      `no project named "${options.project}" in the Vitest config: add defineProdProject() to its projects (prodcheck init does it)`,
    )
  }
  const root = vitest.config.root
  let started = false

  const outcome = async (
    run: () => Promise<{ testModules: Parameters<typeof collectResults>[0]; unhandledErrors: ReadonlyArray<unknown> }>,
  ): Promise<RunOutcome> => {
    const startedAt = new Date()
    let result: Awaited<ReturnType<typeof run>>
    try {
      result = await run()
    } catch (error) {
      if ((error as Error).name === 'FilesNotFoundError' || /No test files found/i.test(String(error))) {
        throw new UsageError(
          `no check file matched${options.filters.length ? ` the filters ${options.filters.map((f) => JSON.stringify(f)).join(' ')}` : ''} in project "${options.project}"`,
        )
      }
      throw error
    }
    const results = collectResults(result.testModules, root, (tags) => !options.tier || (options.tier === 'smoke') === tags.includes('smoke'))
    const errors = result.unhandledErrors.map((error) => safeMessage(String((error as { message?: string }).message ?? error)))
    for (const module of result.testModules) {
      for (const error of module.errors()) errors.push(safeMessage(`${relative(root, module.moduleId)}: ${error.message}`))
    }
    return { startedAt, finishedAt: new Date(), results, errors }
  }

  return {
    async runAll() {
      if (!started) {
        started = true
        return outcome(() => vitest.start(options.filters))
      }
      return outcome(async () => vitest.runTestSpecifications(await vitest.globTestSpecifications(options.filters), true))
    },
    async rerun(checks) {
      const byFile = new Map<string, string[]>()
      for (const check of checks) byFile.set(check.file, [...(byFile.get(check.file) ?? []), check.id])
      const specifications: TestSpecification[] = []
      const project = vitest.getProjectByName(options.project)
      for (const [file, testIds] of byFile) specifications.push(project.createSpecification(resolve(root, file), { testIds }))
      return outcome(() => vitest.runTestSpecifications(specifications, false))
    },
    async cancel() {
      await vitest.cancelCurrentRun('keyboard-input')
    },
    runDeadlineMs() {
      const config = vitest.getProjectByName(options.project).config
      const tags = (config.tags ?? []).filter((tag) => !options.tier || (tag.name === 'smoke') === (options.tier === 'smoke'))
      const longest = Math.max(config.testTimeout ?? 0, ...tags.map((tag) => tag.timeout ?? 0))
      const margin = Math.max(RUN_MARGIN_MS, longest)
      return longest + margin + (started ? 0 : margin)
    },
    async close() {
      await vitest.close()
      await endKeptWorkers()
    },
  }
}

function describeStartError(error: unknown, project: string): Error {
  const message = String((error as Error)?.message ?? error).split('\n')[0] ?? ''
  if (/No projects (were found|matched)/i.test(message)) {
    return new UsageError(`no project named "${project}" in the Vitest config: add defineProdProject() to its projects (prodcheck init does it)`)
  }
  return new UsageError(`cannot start Vitest: ${message}`)
}
