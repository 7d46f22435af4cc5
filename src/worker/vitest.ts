/**
 * The Vitest setup file (`setupFiles: ['prodcheck/vitest']`): registers the prodcheck
 * matchers on `expect`, brings their types, and scopes each test so that concurrent
 * checks record their results on the right test.
 *
 * @module
 */
import { aroundEach, chai, expect } from 'vitest'
import { matchers } from '../../matchers/index.ts'
import { redactWorkerOutput, redactWorkerReports } from './report-redaction.ts'
import { awaitOrphans, type CheckTask, getRuntime } from './runtime.ts'
import { NotAwaitedError } from './not-awaited.ts'

export type { ProdcheckMatchers } from '../../matchers/types.ts'
export type { CheckRecord } from '../core/task-meta.ts'

// once per thread: each `expect.extend` adds a plugin to chai that chai keeps for ever, and this
// file runs again for every file of every run (a kept `serve` thread would grow by a plugin a run)
const EXTENDED = Symbol.for('prodcheck.matchers-extended')
const holder = globalThis as { [EXTENDED]?: WeakMap<object, unknown> }
holder[EXTENDED] ??= new WeakMap()
const extended = holder[EXTENDED]
if (extended.get(chai.Assertion) !== matchers) {
  expect.extend(matchers)
  extended.set(chai.Assertion, matchers)
}

// a project set up by hand (no prodcheck runner): what the worker reports is redacted all the same
redactWorkerReports()
redactWorkerOutput()

// runs around every attempt of every test: the checks it records are those of its last attempt
aroundEach(async (runTest, context) => {
  const task = context.task as unknown as CheckTask
  task.meta.prodcheck = []
  await getRuntime().currentTask.run(task, runTest)
  // a check still running once the test returned was not awaited: its verdict could not fail
  // the test, and would come after it as an error of no test
  const forgotten = await awaitOrphans(task)
  if (forgotten.checks.length > 0) throw new NotAwaitedError(forgotten.checks, forgotten.stack)
})

// Most check files test HTTP: start loading undici (and compiling its HTTP parser, which it
// does in the background on import) while Vitest collects the file, not at the first check.
import('undici').catch(() => {})
