/**
 * The Vitest setup file (`setupFiles: ['prodcheck/vitest']`): registers the prodcheck
 * matchers on `expect`, brings their types, and scopes each test so that concurrent
 * checks record their results on the right test.
 *
 * @module
 */
import { aroundEach, expect } from 'vitest'
import { matchers } from '../matchers/index.ts'
import { type CheckTask, getRuntime } from './runtime.ts'

export type { ProdcheckMatchers } from '../matchers/types.ts'

expect.extend(matchers)

// hook timeout of the wrapper only; the test keeps its own testTimeout
aroundEach(async (runTest, context) => {
  await getRuntime().currentTask.run(context.task as unknown as CheckTask, runTest)
})
