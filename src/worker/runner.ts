/**
 * The Vitest runner of the `prod` project (set by `defineProdProject`).
 *
 * - `sequence.concurrent` is read from the root config only (set inside a project it is
 *   silently ignored, Vitest 4.1), so the runner turns it on for its own project.
 *   `test.sequential` / `describe.sequential` still opt a check out.
 * - Everything the worker reports to the main process (names, errors, records, logs) is
 *   redacted first (report-redaction.ts): Vitest's own reporters print no secret either.
 * - Files are collected one at a time, and a batch of files that the kept worker of `serve`
 *   runs at the same time starts running once all are collected (file-batch.ts).
 *
 * @module
 */
import { type RunnerTestFile, type SerializedConfig, TestRunner } from 'vitest'
import { collectedAll, giveCollectTurnBack, lastDone, takeCollectTurn } from './file-batch.ts'
import { redactWorkerOutput, redactWorkerReports } from './report-redaction.ts'

export default class ProdcheckRunner extends TestRunner {
  constructor(config: SerializedConfig) {
    super({ ...config, sequence: { ...config.sequence, concurrent: true } })
    redactWorkerReports()
    redactWorkerOutput()
  }

  /** The turn this runner holds while it collects (its files' paths). */
  private collecting: string | undefined

  async onBeforeCollect(paths: string[]): Promise<void> {
    this.collecting = paths.join('\n')
    await takeCollectTurn(this.collecting)
  }

  onCollected(_files: RunnerTestFile[]): void {
    if (this.collecting !== undefined) giveCollectTurnBack(this.collecting)
    this.collecting = undefined
  }

  async onBeforeRunFiles(files: RunnerTestFile[]): Promise<void> {
    await collectedAll(files.map((file) => file.filepath))
  }

  override onAfterRunFiles(files?: RunnerTestFile[]): void {
    // the snapshot client is the thread's: cleared once no file of the batch runs
    if (lastDone((files ?? []).map((file) => file.filepath))) super.onAfterRunFiles()
  }
}
