/**
 * What every matcher does around its probe: pick the deadline and the abort signal from
 * the environment, run the probe, record the result on the test as a typed
 * {@link CheckRecord}, and build the `{ pass, message }` the test runner expects. Matchers
 * stay thin: input → probe → words.
 *
 * @module
 */
import { type CheckFacts, type CheckRecord, type CheckStatus, type ComponentType, RECORDS_ONLY_VARIABLE } from '../src/core/check-record.ts'
import { dirname, join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SetupError, TargetError } from '../src/core/errors.ts'
import type { ProbeOptions, ProbeResult } from '../src/core/result.ts'
import { formatMs, MAX_LINE_CHARS, peerText } from '../src/core/text.ts'
import { type CheckTask, getRuntime, startCheck } from '../src/worker/runtime.ts'
import { once } from '../src/core/drivers.ts'
import { formatMessage, MAX_FAILURES, type MessageParts } from './format.ts'

export type { CheckRecord } from '../src/core/check-record.ts'

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
interface CheckDescription<Observed> {
  matcher: string
  /** What the check looks at, for health+json (`datastore` for databases, `system` for the host's own view). */
  componentType: ComponentType
  /**
   * The expectation in words, asked only once the probe has checked the options (a bad one
   * throws before), so describing them cannot trip on one.
   */
  expected: () => string
  /** Extra lines for the message (body excerpt, redirects…). */
  details?: (result: ProbeResult<Observed>) => MessageParts['details']
  /** The protocol facts reports need, as values. */
  facts?: (observed: Observed) => CheckFacts
}

/** The latency thresholds of a check: `maxLatencyMs` (hard) and `warnLatencyMs` (soft). */
interface Budgets {
  budgetMs?: number | undefined
  warnBudgetMs?: number | undefined
}

/** A probe as a matcher calls it. */
export type Probe<Options, Observed> = (target: string, options?: Options, signal?: AbortSignal) => Promise<ProbeResult<Observed>>

/** How a matcher describes its check, and where its probe is. */
export interface CheckSpec<Observed, Options> extends CheckDescription<Observed> {
  /** Loads the probe: on first use, so that registering the matchers stays cheap (drivers load with it). */
  probe: () => Promise<Probe<Options, Observed>>
}

/** A network matcher, as {@link defineMatcher} takes it: its expectation is worded from its options. */
export interface MatcherSpec<Options, Observed> extends Omit<CheckSpec<Observed, Options>, 'expected'> {
  /** The expectation in words, from the options (once the probe has checked them). */
  expected: (options: Options) => string
}

/** A network matcher, as `expect.extend` takes it: `expect(target).<matcher>(options?)`. */
export type NetworkMatcher<Options> = (this: MatcherContext, target: unknown, options?: Options) => Promise<MatcherResult>

/**
 * A network matcher from its description: it loads its probe on first use, runs it on the
 * target with the options ({@link runCheck}), records the check and words the message.
 *
 * @example
 * export const toAcceptTcp = defineMatcher({
 *   matcher: 'toAcceptTcp',
 *   componentType: 'system',
 *   probe: () => import('../src/probes/tcp.ts').then((probes) => probes.probeTcp),
 *   expected: () => 'a TCP connection accepted',
 * })
 */
export function defineMatcher<Options extends ProbeOptions, Observed>(spec: MatcherSpec<Options, Observed>): NetworkMatcher<Options> {
  const probe = once(spec.probe)
  const matcher: NetworkMatcher<Options> = function (this, target, options = {} as Options) {
    return runCheck(this, target, options, { ...spec, expected: () => spec.expected(options), probe })
  }
  return Object.defineProperty(matcher, 'name', { value: spec.matcher })
}

/**
 * Runs a matcher's probe on `target` with `options` (the environment's deadline where they
 * set none) and turns its result into a matcher result. The check's latency budget is its
 * `maxLatencyMs`.
 *
 * @example
 * export function toAcceptTcp(this: MatcherContext, target: unknown, options: TcpProbeOptions = {}) {
 *   return runCheck(this, target, options, { matcher: 'toAcceptTcp', componentType: 'system', expected: () => 'a TCP connection', probe: loadProbeTcp })
 * }
 */
export async function runCheck<Observed, Options extends ProbeOptions>(
  context: MatcherContext,
  target: unknown,
  options: Options,
  spec: CheckSpec<Observed, Options>,
): Promise<MatcherResult> {
  const runtime = getRuntime()
  const task = currentTask(context)
  const testSignal = task?.context?.signal
  const signal = testSignal ? AbortSignal.any([runtime.lifetime.signal, testSignal]) : runtime.lifetime.signal
  const running = task ? startCheck(task, spec.matcher, callSite()) : undefined
  try {
    let result: ProbeResult<Observed>
    try {
      const probe = await spec.probe()
      result = await probe(target as string, withDefaultTimeout(options, task?.meta.prodcheckTimeoutMs ?? runtime.timeoutMs), signal)
    } catch (error) {
      throw cleanError(error, spec.matcher, runCheck)
    }
    running?.target(result.target)
    // the probe has checked the options: a budget is a positive number
    const budgets = { budgetMs: options?.maxLatencyMs, warnBudgetMs: options?.warnLatencyMs }
    const verdict = conclude(context, task, { ...spec, ...budgets }, result, true, running?.orphaned() ?? false)
    // (prodcheck serve and run read the records of task meta: they ask for no annotation)
    if (task && process.env[RECORDS_ONLY_VARIABLE] !== '1')
      await annotate(task, `${spec.matcher} ${result.target}: ${result.summary} (${formatMs(result.latencyMs)})`)
    // a check nobody awaited: the setup file fails its test with that; rejecting here too
    // would be an error of no test, after the run
    if (running?.orphaned()) return { ...verdict, pass: !context.isNot }
    return verdict
  } finally {
    running?.done()
  }
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
export interface SyncCheckSpec<Observed> extends CheckDescription<Observed> {
  inspect: () => ProbeResult<Observed>
}

/**
 * {@link runCheck} for checks that need no network and no deadline; synchronous, so that
 * forgetting `await` cannot make them pass silently. Their records carry no latency.
 *
 * @example
 * export function toHaveEnv(this: MatcherContext, env: unknown, spec: EnvSpec) {
 *   return runCheckSync(this, { matcher: 'toHaveEnv', componentType: 'system', expected: () => '…', inspect: () => probeEnv(env, spec) })
 * }
 */
export function runCheckSync<Observed>(context: MatcherContext, spec: SyncCheckSpec<Observed>): MatcherResult {
  let result: ProbeResult<Observed>
  try {
    result = spec.inspect()
  } catch (error) {
    throw cleanError(error, spec.matcher, runCheckSync)
  }
  return conclude(context, currentTask(context), spec, result, false, false)
}

/**
 * Where a matcher was called from, in the check file (the frames of prodcheck and Vitest left
 * out), as a function: the frames are captured now, but formatted (through Vite's source
 * maps, the costly part) only if the check turns out not to be awaited.
 */
function callSite(): () => string {
  const site: { stack?: string } = {}
  Error.captureStackTrace(site, runCheck)
  return () => {
    const frames = (site.stack ?? '')
      .split('\n')
      .slice(1)
      .filter(
        (frame) => !OWN_CODE.some((dir) => frame.includes(dir)) && !/[\\/]node_modules[\\/](@vitest|vitest|chai)[\\/]|node:internal/.test(frame),
      )
    return ['Error', ...frames].join('\n')
  }
}

/**
 * The folders of this package's code (sources, or dist; ESM or CommonJS), whose frames a call
 * site leaves out: found from where this very function runs.
 */
const OWN_CODE = ((): string[] => {
  const frame = (new Error().stack ?? '').split('\n')[1] ?? ''
  const file = /\((.+):\d+:\d+\)$/.exec(frame)?.[1] ?? /at (.+):\d+:\d+$/.exec(frame)?.[1]
  if (!file) return []
  const root = dirname(dirname(file.startsWith('file:') ? fileURLToPath(file) : file))
  return [join(root, 'matchers', sep), join(root, 'src', sep)]
})()

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

function conclude<Observed>(
  context: MatcherContext,
  task: CheckTask | undefined,
  spec: CheckDescription<Observed> & Budgets,
  result: ProbeResult<Observed>,
  timed: boolean,
  notAwaited: boolean,
): MatcherResult {
  const isNot = Boolean(context.isNot)
  if (task) {
    task.meta.prodcheck ??= []
    task.meta.prodcheck.push(toRecord(spec, result, { isNot, timed, notAwaited, smoke: task.tags?.includes('smoke') ?? false }))
  }
  return {
    pass: result.ok,
    message: () => formatMessage({ matcher: spec.matcher, isNot, expected: spec.expected(), result, details: spec.details?.(result) }),
    actual: undefined,
    expected: undefined,
  }
}

/**
 * The record of a check, as it is reported (by Vitest's own JSON reporter too): every text
 * redacted, printable and cut here.
 */
function toRecord<Observed>(
  spec: CheckDescription<Observed> & Budgets,
  result: ProbeResult<Observed>,
  how: { isNot: boolean; timed: boolean; notAwaited: boolean; smoke: boolean },
): CheckRecord {
  const line = (text: string): string => peerText(text, MAX_LINE_CHARS)
  const held = result.ok
  // under `.not`, the check fails when every expectation held, and passes when one did not
  const judged = how.isNot ? (held ? [`every expectation held (${line(result.summary)}), and the check is negated (.not)`] : []) : result.failures
  // a check nobody awaited fails its test whatever it saw: that is the first thing to fix
  const failures = how.notAwaited
    ? [`not awaited: the test ended before the check did; write \`await expect(…).${spec.matcher}(…)\``, ...judged]
    : judged
  const verdict: CheckStatus = how.isNot ? (held ? 'fail' : 'pass') : !held ? 'fail' : result.warnings.length > 0 ? 'warn' : 'pass'
  const status: CheckStatus = how.notAwaited ? 'fail' : verdict
  return {
    matcher: spec.matcher,
    target: line(result.target),
    tier: how.smoke ? 'smoke' : 'diagnostic',
    status,
    ...(how.isNot && { negated: true }),
    ...(how.notAwaited && { notAwaited: true }),
    ...(how.timed && { latencyMs: round(result.latencyMs) }),
    ...(result.phases && { phases: Object.fromEntries(Object.entries(result.phases).map(([name, ms]) => [name, round(ms)])) }),
    ...(typeof spec.budgetMs === 'number' && { budgetMs: spec.budgetMs }),
    ...(typeof spec.warnBudgetMs === 'number' && { warnBudgetMs: spec.warnBudgetMs }),
    expected: line(`${how.isNot ? 'not: ' : ''}${spec.expected()}`),
    summary: line(result.summary),
    failures: bounded(failures).map(line),
    warnings: bounded(how.isNot ? [] : result.warnings).map(line),
    ...(result.error &&
      !how.isNot && {
        error: { code: line(result.error.code), message: line(result.error.message), ...(result.error.hint && { hint: line(result.error.hint) }) },
      }),
    componentType: spec.componentType,
    facts: definedOnly(spec.facts?.(result.observed) ?? {}),
  }
}

/** The facts that were seen: a fact the check did not see is left out, not written `undefined`. */
function definedOnly(facts: CheckFacts): CheckFacts {
  return Object.fromEntries(Object.entries(facts).filter(([, value]) => value !== undefined))
}

function bounded(lines: readonly string[]): string[] {
  return lines.length > MAX_FAILURES ? [...lines.slice(0, MAX_FAILURES), `… ${lines.length - MAX_FAILURES} more`] : [...lines]
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100
}

/**
 * The options with the environment's deadline where the check sets none (an explicit
 * `timeoutMs: undefined` counts as none).
 *
 * @example
 * probeHttp(url, withDefaultTimeout(options, 5000), signal)
 */
function withDefaultTimeout<O extends { timeoutMs?: number }>(options: O, timeoutMs: number): O {
  // anything but an object is left to the probe, which rejects it with a clear message
  if (options === null || typeof options !== 'object') return options
  return { ...options, timeoutMs: options.timeoutMs ?? timeoutMs }
}

function asTask(value: unknown): CheckTask | undefined {
  return value && typeof value === 'object' && 'meta' in value && typeof value.meta === 'object' ? (value as CheckTask) : undefined
}
