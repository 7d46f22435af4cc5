/**
 * What every matcher does around its probe: pick the deadline and the abort signal from
 * the environment, run the probe, record the result on the test, and build the
 * `{ pass, message }` the test runner expects. Matchers stay thin: input → probe → words.
 *
 * @module
 */
import type { CheckRecord } from '../src/core/check-record.ts'
import { SetupError, TargetError } from '../src/core/errors.ts'
export type { CheckRecord } from '../src/core/check-record.ts'
export { once } from '../src/core/drivers.ts'
import { type ProbeResult } from '../src/core/result.ts'
import { formatMs } from '../src/core/text.ts'
import { type CheckTask, getRuntime } from '../src/worker/runtime.ts'
import { MAX_LINE_CHARS, peerText } from '../src/core/text.ts'
import { formatMessage, type MessageParts } from './format.ts'

/** The part of a runner's matcher context (`this`) that the matchers read: Vitest and Jest both have it. */
export interface MatcherContext {
  isNot?: boolean
  /** Vitest only: the test of the `expect` call (may be wrong for concurrent tests using the global `expect`). */
  task?: unknown
}

/**
 * What a matcher returns to Vitest or Jest. `actual` and `expected` are left undefined: the
 * message already says what was expected and observed, redacted and cut, and Vitest would
 * print them again as a diff, unredacted, in every report (docs/decisions/0009).
 */
export interface MatcherResult {
  pass: boolean
  message: () => string
  actual: undefined
  expected: undefined
}

/** How a matcher describes its check. */
export interface CheckSpec<Observed> {
  matcher: string
  /**
   * The expectation in words, asked only when a message is made: by then the probe has
   * checked the options (a bad one throws before), so describing them cannot trip on one.
   */
  expected: () => string
  /** The latency budget of the check (its `maxLatencyMs`), exported to reports and metrics. */
  budgetMs?: number
  /** Extra lines for the message (body excerpt, redirects…). */
  details?: (result: ProbeResult<Observed>) => MessageParts['details']
  /** The probe call, given the abort signal of the test and the default deadline. */
  probe: (signal: AbortSignal, defaultTimeoutMs: number) => Promise<ProbeResult<Observed>>
}

/**
 * Runs a matcher's probe and turns its result into a matcher result.
 *
 * @example
 * export function toRespondHttp(this: MatcherContext, target: unknown, options: HttpProbeOptions = {}) {
 *   return runCheck(this, { matcher: 'toRespondHttp', expected: () => 'status 2xx', probe: (signal, timeoutMs) => probeHttp(target as string, { timeoutMs, ...options }, signal) })
 * }
 */
export async function runCheck<Observed>(context: MatcherContext, spec: CheckSpec<Observed>): Promise<MatcherResult> {
  const runtime = getRuntime()
  const task = currentTask(context)
  const testSignal = task?.context?.signal
  const signal = testSignal ? AbortSignal.any([runtime.lifetime.signal, testSignal]) : runtime.lifetime.signal
  let result: ProbeResult<Observed>
  try {
    result = await spec.probe(signal, task?.meta.prodcheckTimeoutMs ?? runtime.timeoutMs)
  } catch (error) {
    throw cleanError(error, spec.matcher, runCheck)
  }
  if (task) await annotate(task, `${spec.matcher} ${result.target}: ${result.summary} (${formatMs(result.latencyMs)})`)
  return conclude(context, task, spec, result)
}

/** Latency and outcome as a test annotation: reporters see it (the JUnit reporter as a property). */
async function annotate(task: CheckTask, text: string): Promise<void> {
  try {
    await task.context?.annotate?.(peerText(text, MAX_LINE_CHARS), 'prodcheck')
  } catch {
    // an annotation is a convenience: a runner without it (or a finished test) changes nothing
  }
}

/** How a synchronous matcher (no network: environment, versions) describes its check. */
export interface SyncCheckSpec<Observed> extends Omit<CheckSpec<Observed>, 'probe'> {
  inspect: () => ProbeResult<Observed>
}

/**
 * {@link runCheck} for checks that need no network and no deadline; synchronous, so that
 * forgetting `await` cannot make them pass silently.
 *
 * @example
 * export function toHaveEnv(this: MatcherContext, env: unknown, spec: EnvSpec) {
 *   return runCheckSync(this, { matcher: 'toHaveEnv', expected: () => '…', inspect: () => probeEnv(env, spec) })
 * }
 */
export function runCheckSync<Observed>(context: MatcherContext, spec: SyncCheckSpec<Observed>): MatcherResult {
  let result: ProbeResult<Observed>
  try {
    result = spec.inspect()
  } catch (error) {
    throw cleanError(error, spec.matcher, runCheckSync)
  }
  return conclude(context, currentTask(context), spec, result)
}

function currentTask(context: MatcherContext): CheckTask | undefined {
  return getRuntime().currentTask.getStore() ?? asTask(context.task)
}

/** Bad input or a missing driver, re-thrown at the call site of the matcher: no frames from inside prodcheck or a driver. */
function cleanError(error: unknown, matcher: string, above: (...args: never[]) => unknown): unknown {
  if (!(error instanceof TargetError || error instanceof SetupError)) return error
  const clean = new (error.constructor as new (message: string) => Error)(`${matcher}: ${error.message}`)
  Error.captureStackTrace(clean, above)
  return clean
}

function conclude<Observed>(context: MatcherContext, task: CheckTask | undefined, spec: Omit<CheckSpec<Observed>, 'probe'>, result: ProbeResult<Observed>): MatcherResult {
  if (task) record(task, spec.matcher, result, spec.budgetMs)
  const isNot = Boolean(context.isNot)
  return {
    pass: result.ok,
    message: () => formatMessage({ matcher: spec.matcher, isNot, expected: spec.expected(), result, details: spec.details?.(result) }),
    actual: undefined,
    expected: undefined,
  }
}

/**
 * The options with the environment's deadline where the check sets none (an explicit
 * `timeoutMs: undefined` counts as none).
 *
 * @example
 * probeHttp(url, withDefaultTimeout(options, 5000), signal)
 */
export function withDefaultTimeout<O extends { timeoutMs?: number }>(options: O, timeoutMs: number): O {
  // anything but an object is left to the probe, which rejects it with a clear message
  if (options === null || typeof options !== 'object') return options
  return { ...options, timeoutMs: options.timeoutMs ?? timeoutMs }
}

function record(task: CheckTask, matcher: string, result: ProbeResult<unknown>, budgetMs: number | undefined): void {
  // what is recorded is reported as it is, by Vitest's own JSON reporter too: redacted and cut here
  const entry: CheckRecord = {
    matcher,
    target: peerText(result.target, MAX_LINE_CHARS),
    ok: result.ok,
    latencyMs: Math.round(result.latencyMs * 100) / 100,
    summary: peerText(result.summary, MAX_LINE_CHARS),
    ...(result.error && { error: result.error.code }),
    ...(typeof budgetMs === 'number' && { budgetMs }),
  }
  task.meta.prodcheck ??= []
  task.meta.prodcheck.push(entry)
}

function asTask(value: unknown): CheckTask | undefined {
  return value && typeof value === 'object' && 'meta' in value && typeof value.meta === 'object' ? (value as CheckTask) : undefined
}
