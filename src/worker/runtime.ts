/**
 * State shared, inside one test worker, by the environment, the setup file and the matchers:
 * the default deadline, the lifetime signal aborted on teardown, and which check is
 * running in the current async context.
 *
 * It lives on `globalThis` under a registered symbol because Vitest loads the environment
 * and the setup file through different module loaders: module-level state would
 * be duplicated, a global is not.
 *
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { DEFAULT_TIMEOUT_MS } from '../core/deadline.ts'

/** The task (test) a check runs in, as much of it as the matchers use. */
export interface CheckTask {
  name: string
  meta: {
    /** The checks run by the test, in order (see matchers/check.ts). */
    prodcheck?: unknown[]
    /** The check deadline of the test's tier (from the tag definitions of `defineProdProject`). */
    prodcheckTimeoutMs?: number
  }
  context?: { signal?: AbortSignal; annotate?: (message: string, type?: string) => Promise<unknown> }
}

/** Worker-wide state; see the module comment. */
export interface Runtime {
  /** Default deadline of every check, from `environmentOptions.prodcheck.timeoutMs`. */
  timeoutMs: number
  /** Aborted when the environment tears down: in-flight probes close their sockets. */
  lifetime: AbortController
  /** The test running in the current async context (set by an `aroundEach` hook of the setup file). */
  currentTask: AsyncLocalStorage<CheckTask>
}

const KEY = Symbol.for('prodcheck.runtime')

/**
 * The runtime of this worker (or of another global scope, such as the vm context of a Jest
 * test file), created on first use.
 *
 * @example
 * const { timeoutMs } = getRuntime()
 */
export function getRuntime(scope: object = globalThis): Runtime {
  const holder = scope as { [KEY]?: Runtime }
  holder[KEY] ??= { timeoutMs: DEFAULT_TIMEOUT_MS, lifetime: new AbortController(), currentTask: new AsyncLocalStorage() }
  return holder[KEY]
}
