/**
 * The Vitest runner of the `prod` project (set by `defineProdProject`).
 *
 * It exists for one reason: `sequence.concurrent` is read from the root config only (set
 * inside a project it is silently ignored, Vitest 4.1), so the runner turns it on for its
 * own project. `test.sequential` / `describe.sequential` still opt a check out.
 *
 * @module
 */
import { type SerializedConfig, TestRunner } from 'vitest'

export default class ProdcheckRunner extends TestRunner {
  constructor(config: SerializedConfig) {
    super({ ...config, sequence: { ...config.sequence, concurrent: true } })
  }
}
