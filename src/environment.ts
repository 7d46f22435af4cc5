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
import { DEFAULT_TIMEOUT_MS } from './probe.ts'
import { registerEnvSecrets } from './redact.ts'
import { getRuntime } from './runtime.ts'

/** `environmentOptions.prodcheck`. */
export interface ProdcheckEnvironmentOptions {
  /** Default deadline of every check, in ms. Default 5000. */
  timeoutMs?: number
}

/**
 * Reads and validates `environmentOptions.prodcheck`.
 *
 * @example
 * readEnvironmentOptions({ prodcheck: { timeoutMs: 2000 } }) // { timeoutMs: 2000 }
 */
export function readEnvironmentOptions(options: Record<string, unknown> | undefined): Required<ProdcheckEnvironmentOptions> {
  const own = (options?.prodcheck ?? {}) as ProdcheckEnvironmentOptions
  const timeoutMs = own.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(`environmentOptions.prodcheck.timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}`)
  }
  return { timeoutMs }
}

const environment: Environment = {
  name: 'prodcheck',
  viteEnvironment: 'ssr',
  setup(_global, options) {
    const runtime = getRuntime()
    runtime.timeoutMs = readEnvironmentOptions(options).timeoutMs
    runtime.lifetime = new AbortController()
    registerEnvSecrets(process.env)
    const lifetime = runtime.lifetime
    return {
      teardown() {
        lifetime.abort(new Error('the test environment was torn down'))
      },
    }
  },
}

export default environment
