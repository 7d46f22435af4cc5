/**
 * The Vitest runner of the `prod` project (set by `defineProdProject`).
 *
 * - `sequence.concurrent` is read from the root config only (set inside a project it is
 *   silently ignored, Vitest 4.1), so the runner turns it on for its own project.
 *   `test.sequential` / `describe.sequential` still opt a check out.
 * - Everything the worker reports to the main process (names, errors, records, logs) is
 *   redacted first (report-redaction.ts): Vitest's own reporters print no secret either.
 *
 * @module
 */
import { type SerializedConfig, TestRunner } from 'vitest'
import { redactWorkerOutput, redactWorkerReports } from './report-redaction.ts'

export default class ProdcheckRunner extends TestRunner {
  constructor(config: SerializedConfig) {
    super({ ...config, sequence: { ...config.sequence, concurrent: true } })
    redactWorkerReports()
    redactWorkerOutput()
  }
}
