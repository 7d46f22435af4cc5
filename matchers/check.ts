/**
 * What every matcher does around its probe: pick the deadline and the abort signal from
 * the environment, run the probe, record the result on the test, and build the
 * `{ pass, message }` the test runner expects. Matchers stay thin: input → probe → words.
 *
 * @module
 */
import { SetupError, TargetError } from '../src/errors.ts'
import type { ProbeResult } from '../src/probe.ts'
import { type CheckTask, getRuntime } from '../src/runtime.ts'
import { formatMessage, type MessageParts } from './format.ts'

/** The part of a runner's matcher context (`this`) that the matchers read: Vitest and Jest both have it. */
export interface MatcherContext {
  isNot?: boolean
  /** Vitest only: the test of the `expect` call (may be wrong for concurrent tests using the global `expect`). */
  task?: unknown
}

/** What a matcher returns to Vitest or Jest. */
export interface MatcherResult {
  pass: boolean
  message: () => string
  actual: unknown
  expected: unknown
}

/** One check recorded on its test (`task.meta.prodcheck`), for reporters and `prodcheck serve`. */
export interface CheckRecord {
  matcher: string
  target: string
  ok: boolean
  latencyMs: number
  summary: string
  error?: string
}

/** How a matcher describes its check. */
export interface CheckSpec<Observed> {
  matcher: string
  /** The expectation in words. */
  expected: string
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
 *   return runCheck(this, { matcher: 'toRespondHttp', expected: 'status 2xx', probe: (signal, timeoutMs) => probeHttp(target as string, { timeoutMs, ...options }, signal) })
 * }
 */
export async function runCheck<Observed>(context: MatcherContext, spec: CheckSpec<Observed>): Promise<MatcherResult> {
  const runtime = getRuntime()
  const task = runtime.currentTask.getStore() ?? asTask(context.task)
  const testSignal = task?.context?.signal
  const signal = testSignal ? AbortSignal.any([runtime.lifetime.signal, testSignal]) : runtime.lifetime.signal
  let result: ProbeResult<Observed>
  try {
    result = await spec.probe(signal, runtime.timeoutMs)
  } catch (error) {
    if (error instanceof TargetError || error instanceof SetupError) {
      // a clean error at the call site of the matcher: no frames from inside prodcheck or a driver
      const clean = new (error.constructor as new (message: string) => Error)(`${spec.matcher}: ${error.message}`)
      Error.captureStackTrace(clean, runCheck)
      throw clean
    }
    throw error
  }
  if (task) record(task, spec.matcher, result)
  const isNot = Boolean(context.isNot)
  return {
    pass: result.ok,
    message: () => formatMessage({ matcher: spec.matcher, isNot, expected: spec.expected, result, details: spec.details?.(result) }),
    actual: result.summary,
    expected: spec.expected,
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

function record(task: CheckTask, matcher: string, result: ProbeResult<unknown>): void {
  const entry: CheckRecord = {
    matcher,
    target: result.target,
    ok: result.ok,
    latencyMs: Math.round(result.latencyMs * 100) / 100,
    summary: result.summary,
    ...(result.error && { error: result.error.code }),
  }
  task.meta.prodcheck ??= []
  task.meta.prodcheck.push(entry)
}

function asTask(value: unknown): CheckTask | undefined {
  return value && typeof value === 'object' && 'meta' in value && typeof value.meta === 'object' ? (value as CheckTask) : undefined
}
