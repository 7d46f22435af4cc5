/**
 * The probe kernel: what every network probe does around its protocol. A probe parses its
 * target and options, then hands {@link runExchange} its exchange; the kernel
 *
 * 1. opens a {@link ProbeScope} (the byte budget; every socket of the probe and its driver),
 * 2. starts the deadline, and runs the exchange inside both,
 * 3. times each phase the exchange enters (`step.enter('tls', 'TLS handshake')`),
 * 4. turns whatever ended the exchange into a {@link ProbeError}, in this order: a failure
 *    the exchange raised on purpose ({@link ProbeFailure}), a peer over its byte budget, the
 *    caller aborting, the deadline (named by phase: "no answer from db:5432 within 2 s while
 *    running the query"), then the protocol's own words for a driver error, then the
 *    network's,
 * 5. lets the probe undo server-side work at the deadline (cancel a query), closes the
 *    connection (politely when the exchange succeeded), closes the scope,
 * 6. judges the expectations, the latency budget and the warning threshold.
 *
 * Each probe file keeps only its protocol's knowledge.
 *
 * @module
 */
import { abortedError, type Deadline, startDeadline } from './deadline.ts'
import { SetupError, TargetError } from './errors.ts'
import { describeNetworkError } from './network-errors.ts'
import { budgetExceeded, type HANDSHAKE_MAX_RECEIVED_BYTES, openScope, type ProbeScope } from './probe-scope.ts'
import { latencyFailure, latencyWarning, type PhaseName, type Phases, type ProbeError, type ProbeResult, probeResult } from './result.ts'
import { formatMs } from './text.ts'
import type { Limits } from './validate.ts'

/** Where an exchange stands, as the probe's exchange and error handlers see it. */
export interface Step {
  readonly deadline: Deadline
  readonly scope: ProbeScope
  readonly timeoutMs: number
  /** The phase running, in words (`connecting`, `running the query`): timeouts name it. */
  readonly label: string
  /** The phase running. */
  readonly phase: PhaseName
  /** Enters a phase: the time since the previous one is that phase's. */
  enter(phase: PhaseName, label: string): void
  /** Awaits `work`, or the deadline (or the caller) aborting, whichever comes first. */
  race<T>(work: Promise<T>): Promise<T>
}

/** A failure an exchange raises on purpose, with its own code, words and fix. */
export class ProbeFailure extends Error {
  constructor(readonly failure: ProbeError) {
    super(failure.message)
  }
}

/** What a probe checks, and under which limits. */
export interface ExchangeSetup<Observed> {
  /** The target as messages name it (`host:port`, or a redacted URL); a function when it is known only once the driver read the DSN. */
  where: string | (() => string)
  /** The target as results report it (redacted). Default: `where`. */
  target?: string
  limits: Limits
  /** What the exchange fills in. */
  observed: Observed
  /** The caller's signal (the test's, the run's). */
  signal: AbortSignal | undefined
  /** The byte budget of the sockets, when it is not `limits.maxReceivedBytes` (HTTP adds room for headers). */
  receiveBudget?: number
  /**
   * The byte budget when the options set none: a protocol whose exchange is a handshake only
   * keeps {@link HANDSHAKE_MAX_RECEIVED_BYTES}, so that a peer flooding it with tiny packets,
   * each parsed by the driver, costs little CPU as well as little memory.
   */
  defaultReceiveBudget?: number
}

/** A probe's exchange with its target, and its protocol's knowledge. */
export interface ExchangeProtocol {
  /** The first phase: default connect, "connecting". */
  first?: [PhaseName, string]
  /** The exchange itself: connect, talk, read; every wait through `step.race`. */
  exchange(step: Step): Promise<void>
  /** The protocol's words for what a driver threw, or undefined for the network's. */
  describe?(caught: unknown, step: Step): ProbeError | undefined
  /** What a deadline means in the phase it hit. Default: "no answer from {where} within {timeout} while {phase}". */
  timeout?(step: Step): ProbeError
  /** After a failure at the deadline or an abort: stop what the server still does for us (a query), and amend the error. */
  settle?(error: ProbeError, step: Step): Promise<ProbeError>
  /** Closes what the exchange opened: politely unless `failed`. */
  close?(failed: boolean): unknown
  /** The latency reported: default the wall time of the exchange (ping reports the average round trip). */
  latency?(elapsedMs: number): number
  /** Expectations judged once the exchange completed, besides the latency budget. */
  failures?(latencyMs: number): string[]
  /** Soft thresholds crossed, besides the latency warning. */
  warnings?(): string[]
  /** One line saying what was observed, when the exchange completed. */
  summary(): string
}

const DEFAULT_TIMEOUT_HINT =
  'the peer accepted the connection but did not answer in time: is it overloaded, is this the right port and protocol, or does a firewall drop the packets?'

/**
 * Runs a probe's exchange under the kernel (see the module comment) and returns its result.
 *
 * @example
 * return runExchange({ where, limits, observed, signal }, {
 *   exchange: async (step) => { socket = await step.race(open(host, port)) },
 *   close: () => socket?.destroy(),
 *   summary: () => `connected to ${where}`,
 * })
 */
export async function runExchange<Observed>(setup: ExchangeSetup<Observed>, protocol: ExchangeProtocol): Promise<ProbeResult<Observed>> {
  const { limits } = setup
  const where = (): string => (typeof setup.where === 'function' ? setup.where() : setup.where)
  const spec = {
    ...protocol,
    ...setup,
    get where() {
      return where()
    },
  }
  const scope = openScope(spec.receiveBudget ?? limits.maxReceivedBytes ?? spec.defaultReceiveBudget)
  const deadline = startDeadline(limits.timeoutMs, spec.signal)
  const phases: Phases = {}
  let [phase, label] = spec.first ?? ['connect', 'connecting']
  let since = 0
  const close = (): void => {
    const now = deadline.elapsed()
    phases[phase] = (phases[phase] ?? 0) + round(now - since)
    since = now
  }
  const step: Step = {
    deadline,
    scope,
    timeoutMs: limits.timeoutMs,
    get label() {
      return label
    },
    get phase() {
      return phase
    },
    enter(next, words) {
      close()
      phase = next
      label = words
    },
    race: (work) => Promise.race([work, deadline.aborted]),
  }
  let error: ProbeError | undefined
  let badInput: unknown
  try {
    await scope.run(() => step.race(spec.exchange(step)))
  } catch (caught) {
    // bad input found on the way (a DSN the driver refuses): thrown, once everything is closed
    if (caught instanceof TargetError || caught instanceof SetupError) badInput = caught
    else error = describe(caught, spec, step)
  } finally {
    close()
    deadline.clear()
  }
  const elapsed = deadline.elapsed()
  if (error && deadline.signal.aborted && spec.settle) error = await spec.settle(error, step)
  try {
    await spec.close?.(error !== undefined || badInput !== undefined)
  } catch {
    // closing is best effort: the scope destroys whatever is left
  }
  scope.close()
  if (badInput) throw badInput
  const latencyMs = spec.latency ? spec.latency(elapsed) : elapsed
  return probeResult({
    target: spec.target ?? spec.where,
    latencyMs,
    phases,
    observed: spec.observed,
    error,
    failures: () => [...(spec.failures?.(latencyMs) ?? []), ...latencyFailure(latencyMs, limits.maxLatencyMs)],
    warnings: () => [...(spec.warnings?.() ?? []), ...latencyWarning(latencyMs, limits.warnLatencyMs)],
    summary: spec.summary,
  })
}

function describe(caught: unknown, spec: ExchangeProtocol & { where: string }, step: Step): ProbeError {
  if (caught instanceof ProbeFailure) return caught.failure
  const flooded = budgetExceeded(step.scope, spec.where, step.label)
  if (flooded) return flooded
  const aborted = abortedError(step.deadline)
  if (aborted) return { ...aborted, message: `${aborted.message} (while ${step.label})` }
  if (step.deadline.timedOut()) return spec.timeout?.(step) ?? timeoutError(spec.where, step)
  return spec.describe?.(caught, step) ?? describeNetworkError(caught, spec.where)
}

/**
 * The error of a deadline that hit a phase: "no answer from {where} within {timeout} while
 * {phase}", with a hint.
 *
 * @example
 * timeoutError('db:5432', step, 'the query did not finish in time: check locks and load')
 */
export function timeoutError(where: string, step: Pick<Step, 'timeoutMs' | 'label'>, hint = DEFAULT_TIMEOUT_HINT): ProbeError {
  return { code: 'ETIMEDOUT', message: `no answer from ${where} within ${formatMs(step.timeoutMs)} while ${step.label}`, hint }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100
}

/**
 * The error of a deadline that hit before the TCP connection was made.
 *
 * @example
 * timeout: () => noConnection(where, limits.timeoutMs)
 */
export function noConnection(where: string, timeoutMs: number): ProbeError {
  return {
    code: 'ETIMEDOUT',
    message: `no connection to ${where} within ${formatMs(timeoutMs)}`,
    hint: 'the host does not answer: it is down, the address is wrong, or a firewall drops the packets',
  }
}

/**
 * The error of a deadline that hit after the TCP connection, during the TLS handshake.
 *
 * @example
 * timeout: (step) => (step.phase === 'tls' ? noTlsHandshake(where, limits.timeoutMs) : noConnection(where, limits.timeoutMs))
 */
export function noTlsHandshake(where: string, timeoutMs: number): ProbeError {
  return {
    code: 'ETIMEDOUT',
    message: `connected to ${where}, but the TLS handshake did not complete within ${formatMs(timeoutMs)}`,
    hint: 'the port accepts connections but does not complete TLS: is it a plain-text port (use the plain scheme, e.g. http://), or is the server stuck?',
  }
}
