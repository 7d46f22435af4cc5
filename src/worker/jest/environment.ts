/**
 * `prodcheck/jest-environment`: Jest's Node environment, plus what prodcheck's own Vitest
 * environment owns: the default check deadline (`testEnvironmentOptions.prodcheck.timeoutMs`,
 * default 5000 ms), the secret registry seeded from secret-looking environment variables,
 * and the lifetime of in-flight probes, aborted on teardown so that sockets close and the
 * run exits promptly.
 *
 * Jest runs each test file in a vm context of its own: the state is set on that context's
 * global, where the matchers will look for it.
 *
 * @module
 */
import { TestEnvironment } from 'jest-environment-node'
import { readEnvironmentOptions } from '../environment-options.ts'
import { absorbDriverNoise } from '../noise.ts'
import { redact, redactDeep, registerEnvSecrets } from '../../core/redact.ts'
import { getRuntime, type Runtime } from '../runtime.ts'

type Config = ConstructorParameters<typeof TestEnvironment>[0]
type Context = ConstructorParameters<typeof TestEnvironment>[1]

/**
 * The prodcheck environment for Jest.
 *
 * @example
 * // jest.config.js
 * module.exports = { testEnvironment: 'prodcheck/jest-environment', testEnvironmentOptions: { prodcheck: { timeoutMs: 3000 } } }
 */
export default class ProdcheckEnvironment extends TestEnvironment {
  private readonly timeoutMs: number
  private runtime?: Runtime

  constructor(config: Config, context: Context) {
    super(config, context)
    this.timeoutMs = readEnvironmentOptions(config.projectConfig.testEnvironmentOptions).timeoutMs
  }

  override async setup(): Promise<void> {
    await super.setup()
    this.runtime = getRuntime(this.global)
    this.runtime.timeoutMs = this.timeoutMs
    this.runtime.lifetime = new AbortController()
    registerEnvSecrets(process.env, this.global)
    // this realm redacts the names and errors Jest reports (see handleTestEvent)
    registerEnvSecrets(process.env)
    absorbDriverNoise()
  }

  /**
   * Redacts what Jest reports from this test file, before its reporters see it: the names of
   * tests and describe blocks as they are added, the errors of tests and hooks as they end.
   */
  handleTestEvent(
    event: { name: string; test?: JestTest; hook?: unknown; error?: unknown },
    state: { currentDescribeBlock?: { children?: Array<{ name?: string }> } },
  ): void {
    if (event.name === 'add_test' || event.name === 'add_describe_block') {
      const added = state.currentDescribeBlock?.children?.at(-1)
      if (added && typeof added.name === 'string') added.name = redact(added.name)
    } else if (event.name === 'test_done' && event.test) {
      for (const errors of event.test.errors ?? []) for (const error of [errors].flat()) redactError(error)
    } else if (event.name === 'hook_failure' || event.name === 'test_fn_failure') {
      redactError(event.error)
    }
  }

  override async teardown(): Promise<void> {
    this.runtime?.lifetime.abort(new Error('the test environment was torn down'))
    await super.teardown()
  }
}

/** The part of a jest-circus test the environment reads. */
interface JestTest {
  errors?: unknown[]
}

/** Redacts an error's message, stack and matcher result in place. */
function redactError(error: unknown): void {
  if (!error || typeof error !== 'object') return
  const fields = error as { message?: unknown; stack?: unknown; matcherResult?: Record<string, unknown> }
  if (typeof fields.message === 'string') fields.message = redact(fields.message)
  if (typeof fields.stack === 'string') fields.stack = redact(fields.stack)
  // Jest's JSON report carries the matcher's result: its message, and the values compared
  const result = fields.matcherResult
  if (result)
    for (const key of ['message', 'actual', 'expected'])
      if (result[key] !== undefined) result[key] = redactDeep(typeof result[key] === 'function' ? undefined : result[key])
}

export { ProdcheckEnvironment as TestEnvironment }
