/**
 * `prodcheck/reporter`: a Vitest reporter for production checks.
 *
 * - `format: 'table'` (default): one row per check (tier, name, target, status, latency),
 *   the messages of the failures, and a summary line, on stdout;
 * - `format: 'json'`: the run as `application/health+json`, to `outputFile` or stdout.
 *
 * ```ts
 * // vitest.config.ts
 * reporters: ['prodcheck/reporter', ['prodcheck/reporter', { format: 'json', outputFile: 'health.json' }]]
 * ```
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Reporter, TestModule, Vitest } from 'vitest/node'
import { toHealthDocument } from './health.ts'
import { collectResults, registerRunnerSecrets } from '../results.ts'
import { formatTable } from './table.ts'

export type { HealthDocument, HealthObservation } from './health.ts'
export { HEALTH_MEDIA_TYPE, toHealthDocument } from './health.ts'
export type { CheckRecord, CheckResult, CheckStatus, Tier } from '../results.ts'
export { collectResults, summarize } from '../results.ts'
export { formatTable, summaryLine } from './table.ts'

/** Options of {@link ProdcheckReporter}. */
export interface ProdcheckReporterOptions {
  /** `table` (default) or `json` (health+json). */
  format?: 'table' | 'json'
  /** Write there instead of stdout (relative to the Vitest root). */
  outputFile?: string
}

/**
 * Reports the checks of a run as a table or as health+json.
 *
 * @example
 * // vitest run --project prod --reporter=prodcheck/reporter
 * export default defineConfig({ test: { reporters: [['prodcheck/reporter', { format: 'json', outputFile: 'health.json' }]] } })
 */
export default class ProdcheckReporter implements Reporter {
  private vitest?: Vitest
  private readonly format: 'table' | 'json'
  private readonly outputFile?: string

  constructor(options: ProdcheckReporterOptions = {}) {
    if (options.format !== undefined && options.format !== 'table' && options.format !== 'json') {
      throw new TypeError(`prodcheck/reporter: format must be "table" or "json", got ${JSON.stringify(options.format)}`)
    }
    this.format = options.format ?? 'table'
    this.outputFile = options.outputFile
    registerRunnerSecrets()
  }

  onInit(vitest: Vitest): void {
    this.vitest = vitest
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const root = this.vitest?.config.root ?? process.cwd()
    const results = collectResults(modules, root)
    const text = this.format === 'json' ? `${JSON.stringify(toHealthDocument(results), null, 2)}\n` : formatTable(results)
    if (this.outputFile) {
      const file = resolve(root, this.outputFile)
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, text)
    } else {
      process.stdout.write(text)
    }
  }
}
