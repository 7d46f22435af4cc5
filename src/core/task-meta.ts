/**
 * The check records on Vitest's `TaskMeta`, the documented way to type a test's meta: a
 * reporter reads `testCase.meta().prodcheck` as {@link CheckRecord}s, typed.
 *
 * @example
 * onTestCaseResult(testCase) { for (const check of testCase.meta().prodcheck ?? []) console.log(check.status, check.latencyMs) }
 *
 * @module
 */
import type { CheckRecord } from './check-record.ts'
// the module augmented must be part of the program
import type {} from 'vitest'

export type { CheckError, CheckFacts, CheckRecord, CheckStatus, ComponentType, Tier } from './check-record.ts'

declare module 'vitest' {
  interface TaskMeta {
    /** The checks the test ran, in order (prodcheck). */
    prodcheck?: CheckRecord[]
    /** The check deadline of the test's tier, in ms (prodcheck, from the tag definitions of `defineProdProject`). */
    prodcheckTimeoutMs?: number
  }
}
