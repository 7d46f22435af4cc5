/**
 * The prodcheck Vitest environment (`environment: 'prodcheck/environment'`).
 *
 * It owns what a check file should not have to: the default deadline of every check
 * (`environmentOptions.prodcheck.timeoutMs`, default 5000 ms), the secret registry seeded
 * from secret-looking environment variables, and the lifetime of in-flight probes: on
 * teardown it aborts them, so their sockets close and the run exits promptly.
 * Globals are Node's own (like the `node` environment).
 *
 * @module
 */
import type { Environment } from 'vitest/runtime'
import { readEnvironmentOptions } from './environment-options.ts'
import { absorbDriverNoise } from './noise.ts'
import { registerEnvSecrets } from '../core/redact.ts'
import { getRuntime } from './runtime.ts'

const environment: Environment = {
  name: 'prodcheck',
  viteEnvironment: 'ssr',
  setup(_global, options) {
    const runtime = getRuntime()
    runtime.timeoutMs = readEnvironmentOptions(options).timeoutMs
    runtime.lifetime = new AbortController()
    registerEnvSecrets(process.env)
    absorbDriverNoise()
    const lifetime = runtime.lifetime
    return {
      teardown() {
        lifetime.abort(new Error('the test environment was torn down'))
      },
    }
  },
}

export type { ProdcheckEnvironmentOptions } from './environment-options.ts'
export { readEnvironmentOptions }

export default environment
