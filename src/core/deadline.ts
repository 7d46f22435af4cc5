/**
 * The deadline every probe runs under, and the small waits bounded by it: how long a
 * probe may spend cancelling server-side work, closing politely, or waiting for anything.
 *
 * @module
 */
import { redact } from './redact.ts'
import { errorMessage } from './network-errors.ts'
import { formatMs } from './text.ts'
import type { ProbeError } from './result.ts'

/** Default deadline of a probe, in milliseconds, when neither the check nor the environment sets one. */
export const DEFAULT_TIMEOUT_MS = 5000

/** How much longer than its check deadline a test may run, so that the check's message wins over "Test timed out". */
export const TEST_TIMEOUT_MARGIN_MS = 1000

/** A deadline for one probe: an AbortSignal that fires on timeout or when the caller aborts. */
export interface Deadline {
  readonly signal: AbortSignal
  readonly timeoutMs: number
  /** True when the deadline (not the caller) ended the probe. */
  timedOut(): boolean
  /** Milliseconds since the probe started. */
  elapsed(): number
  /** Rejects with the abort reason once the deadline or the caller aborts. */
  readonly aborted: Promise<never>
  /** Releases the timer; call in `finally`. */
  clear(): void
}

/**
 * Starts a deadline of `timeoutMs` linked to an optional caller signal.
 *
 * @example
 * const deadline = startDeadline(2000, signal)
 * try { await fetchSomething({ signal: deadline.signal }) } finally { deadline.clear() }
 */
export function startDeadline(timeoutMs: number, signal?: AbortSignal): Deadline {
  const started = performance.now()
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort(new DeadlineError(timeoutMs))
  }, timeoutMs)
  const onCallerAbort = (): void => controller.abort(signal?.reason ?? new Error('aborted'))
  if (signal?.aborted) onCallerAbort()
  else signal?.addEventListener('abort', onCallerAbort, { once: true })
  const aborted = new Promise<never>((_, reject) => {
    const fail = (): void => reject(controller.signal.reason)
    if (controller.signal.aborted) fail()
    else controller.signal.addEventListener('abort', fail, { once: true })
  })
  aborted.catch(() => {})
  return {
    signal: controller.signal,
    timeoutMs,
    timedOut: () => timedOut,
    elapsed: () => performance.now() - started,
    aborted,
    clear() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onCallerAbort)
    },
  }
}

/** The reason a deadline aborts with. */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError'
  readonly code = 'ETIMEDOUT'
  constructor(readonly timeoutMs: number) {
    super(`deadline of ${timeoutMs} ms exceeded`)
  }
}

/**
 * The error of a probe its caller aborted (the test timed out, the run was cancelled, the
 * environment tore down), or undefined when it was not aborted, or timed out instead.
 *
 * @example
 * error = abortedError(deadline) ?? describeNetworkError(caught, where)
 */
export function abortedError(deadline: Deadline): ProbeError | undefined {
  if (!deadline.signal.aborted || deadline.timedOut()) return undefined
  return { code: 'EABORTED', message: `aborted after ${formatMs(deadline.elapsed())}: ${redact(errorMessage(deadline.signal.reason))}` }
}

/**
 * How long a probe may spend, after its deadline, asking the server to stop the work it
 * started (cancelling a query): 15 % of the deadline, between 50 ms and 1 s, so that the
 * verdict still comes within the deadline + 20 %.
 *
 * @example
 * cancelBudget(5000) // 750
 */
export function cancelBudget(timeoutMs: number): number {
  return Math.min(1000, Math.max(50, timeoutMs * 0.15))
}

/**
 * Waits for `work` (its failure included) for at most `ms`, and clears its timer either way;
 * true when the work settled in time.
 *
 * @example
 * await within(client.quit(), 250)
 */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Closes a client politely (e.g. `QUIT`, `Terminate`), but never waits more than `graceMs`
 * for a peer that does not answer: then destroys its socket.
 *
 * @example
 * await closeGracefully(() => client.end(), () => client.connection.stream.destroy())
 */
export async function closeGracefully(end: () => Promise<unknown>, destroy: () => void, graceMs = 250): Promise<void> {
  try {
    await within(end(), graceMs)
  } catch {
    // end() threw before it could return a promise: the peer is gone already
  } finally {
    destroy()
  }
}
