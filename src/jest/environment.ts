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
import { registerEnvSecrets } from '../redact.ts'
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
    absorbDriverNoise()
  }

  override async teardown(): Promise<void> {
    this.runtime?.lifetime.abort(new Error('the test environment was torn down'))
    await super.teardown()
  }
}

export { ProdcheckEnvironment as TestEnvironment }
