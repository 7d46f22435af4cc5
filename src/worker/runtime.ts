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
import type { CheckRecord } from '../core/check-record.ts'
import { DEFAULT_TIMEOUT_MS } from '../core/deadline.ts'

/** The task (test) a check runs in, as much of it as the matchers use. */
export interface CheckTask {
  name: string
  /** The test's tags (Vitest): `smoke` makes its checks smoke checks. */
  tags?: string[]
  meta: {
    /** The checks run by the test, in order (see matchers/check.ts). */
    prodcheck?: CheckRecord[]
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

/** A check in flight, as its test sees it. */
export interface RunningCheck {
  /** Names the target, once the probe has read it (for a message about this check). */
  target(target: string): void
  /** The check has its verdict. */
  done(): void
  /** True when the test ended before the check did: nobody awaited it. */
  orphaned(): boolean
}

interface InFlight {
  matcher: string
  /** The stack of the matcher's call, to point a "not awaited" error at it: formatted only when asked (a check that is awaited never pays for it). */
  stack?: string | (() => string)
  target?: string
  orphaned: boolean
  settled: Promise<void>
  settle(): void
}

const IN_FLIGHT = new WeakMap<object, Set<InFlight>>()

/**
 * Tracks a check while it runs on `task`, so that the test can tell when it ended before the
 * check did (a forgotten `await`).
 *
 * @example
 * const running = startCheck(task, 'toRespondHttp')
 * try { … } finally { running.done() }
 */
export function startCheck(task: CheckTask, matcher: string, stack?: string | (() => string)): RunningCheck {
  let settle = (): void => {}
  const entry: InFlight = { matcher, stack, orphaned: false, settled: new Promise<void>((resolve) => (settle = resolve)), settle: () => settle() }
  const set = IN_FLIGHT.get(task) ?? new Set()
  IN_FLIGHT.set(task, set)
  set.add(entry)
  return {
    target: (target) => (entry.target = target),
    done: () => {
      set.delete(entry)
      entry.settle()
    },
    orphaned: () => entry.orphaned,
  }
}

/**
 * The checks of `task` still running once its test function has returned: marks them as
 * orphaned (nobody awaited them), waits for their verdicts (each is bounded by its deadline),
 * and says which they were, as `toRespondHttp http://api/health`.
 *
 * @example
 * const { checks } = await awaitOrphans(task)
 * if (checks.length > 0) throw new Error(`not awaited: ${checks.join(', ')}`)
 */
export async function awaitOrphans(task: CheckTask): Promise<{ checks: string[]; stack?: string }> {
  const running = [...(IN_FLIGHT.get(task) ?? [])]
  for (const entry of running) entry.orphaned = true
  await Promise.all(running.map((entry) => entry.settled))
  const stack = running[0]?.stack
  return {
    checks: running.map((entry) => `${entry.matcher}${entry.target ? ` ${entry.target}` : ''}`),
    stack: typeof stack === 'function' ? stack() : stack,
  }
}
