/**
 * The shape every probe returns. A probe never throws for a network outcome: refusals,
 * timeouts, resets, TLS failures and protocol errors all come back as a
 * {@link ProbeResult} with `ok: false` and a {@link ProbeError} that says what to fix. It
 * throws only for bad input or a missing driver (`errors.ts`), before anything is sent.
 *
 * @module
 */
import { TargetError } from './errors.ts'
import { formatMs } from './text.ts'

/** Why a probe could not complete its exchange with the target. */
export interface ProbeError {
  /** A stable code (docs/errors.md): a Node/driver code (`ECONNREFUSED`, `28P01`) or one of ours (`ETIMEDOUT`, `EAUTH`). */
  code: string
  /** What happened, in one sentence, secrets redacted. */
  message: string
  /** What to check or fix. */
  hint?: string
}

/** The phases of an exchange that a probe times: DNS, TCP connect, TLS, protocol handshake, authentication, query (or command), ICMP echo, first byte, body. */
export type PhaseName = 'dns' | 'connect' | 'tls' | 'handshake' | 'auth' | 'query' | 'echo' | 'firstByte' | 'body'

/** Milliseconds spent in each phase the probe went through. */
export type Phases = Partial<Record<PhaseName, number>>

/** What a probe saw: the outcome of one check against one target. */
export interface ProbeResult<Observed = Record<string, unknown>> {
  /** True when the exchange completed and every expectation held (soft thresholds aside). */
  ok: boolean
  /** The target, with credentials and secret parameters replaced by `***`. */
  target: string
  /** Wall time of the whole exchange, in milliseconds. */
  latencyMs: number
  /** Time per phase, where the probe measures it. */
  phases?: Phases
  /** One line saying what was observed, e.g. `HTTP 503 Service Unavailable`. */
  summary: string
  /** Protocol-specific detail: status, headers, body excerpt, server version… */
  observed: Observed
  /** Expectations that did not hold, one sentence each (empty when `ok` or when `error` is set). */
  failures: string[]
  /** Soft thresholds crossed by a check that passed (`warnLatencyMs`, `warnDaysLeft`): it ends `warn`. */
  warnings: string[]
  /** Set when the exchange itself failed (refused, timed out, bad credentials…). */
  error?: ProbeError
}

/** Options every probe accepts. */
export interface ProbeOptions {
  /** Deadline for the whole exchange (connect, TLS, request, response, body), in ms. Default 5000. */
  timeoutMs?: number
  /** Fail when the exchange took longer than this, in ms. */
  maxLatencyMs?: number
  /** Warn (the check passes, degraded) when the exchange took longer than this, in ms. */
  warnLatencyMs?: number
  /**
   * Bytes the check accepts from its peer, in all (every socket, headers and body). Past it,
   * the check stops reading and fails with `ETOOLARGE`. Default 1 MiB (HTTP: 8 MiB).
   */
  maxReceivedBytes?: number
}

/** What a probe saw, for {@link probeResult}. */
export interface ProbeOutcome<Observed> {
  target: string
  latencyMs: number
  phases?: Phases
  observed: Observed
  /** Why the exchange failed; then no expectation is judged. */
  error: ProbeError | undefined
  /** The expectations that did not hold, judged only when the exchange completed. */
  failures: () => string[]
  /** The soft thresholds crossed, judged only when every expectation held. */
  warnings?: () => string[]
  /** One line saying what was observed, asked only when the exchange completed. */
  summary: () => string
}

/** Node's codes for arguments it refuses (a driver passing on a bad option of ours): bad input, never a network outcome. */
const INPUT_FAULTS =
  /^(ERR_INVALID_ARG_TYPE|ERR_INVALID_ARG_VALUE|ERR_OUT_OF_RANGE|ERR_INVALID_URL|ERR_INVALID_CHAR|ERR_HTTP_INVALID_HEADER_VALUE|UND_ERR_INVALID_ARG|UND_ERR_NOT_SUPPORTED)$/

/**
 * The result of a probe: failed with its error when the exchange failed (summary
 * `CODE: message`, no failures judged), else ok unless an expectation failed. An error that
 * is Node refusing an argument (`ERR_OUT_OF_RANGE`, `ERR_INVALID_ARG_*`…) is bad input:
 * thrown as a {@link TargetError}, after the probe has cleaned up.
 *
 * @example
 * return probeResult({ target: where, latencyMs, observed, error, failures: () => [], summary: () => `connected to ${where}` })
 */
export function probeResult<Observed>(outcome: ProbeOutcome<Observed>): ProbeResult<Observed> {
  const { target, latencyMs, observed, error } = outcome
  const phases = outcome.phases && Object.keys(outcome.phases).length > 0 ? { phases: outcome.phases } : {}
  // an option that a driver or Node refused: bad input, thrown (else `.not` would pass on it)
  if (error && INPUT_FAULTS.test(error.code)) throw new TargetError(`the check cannot run with these options: ${error.message}`)
  if (error)
    return { ok: false, target, latencyMs, ...phases, summary: `${error.code}: ${error.message}`, observed, failures: [], warnings: [], error }
  const failures = outcome.failures()
  const warnings = failures.length === 0 ? (outcome.warnings?.() ?? []) : []
  return { ok: failures.length === 0, target, latencyMs, ...phases, summary: outcome.summary(), observed, failures, warnings }
}

/**
 * The failure to add when a probe that succeeded took longer than its budget.
 *
 * @example
 * latencyFailure(412, 300) // ['took 412 ms, over the latency budget of 300 ms']
 */
export function latencyFailure(latencyMs: number, maxLatencyMs: number | undefined): string[] {
  if (maxLatencyMs === undefined || latencyMs <= maxLatencyMs) return []
  return [`took ${formatMs(latencyMs)}, over the latency budget of ${formatMs(maxLatencyMs)}`]
}

/**
 * The warning to add when a probe that passed took longer than its soft threshold.
 *
 * @example
 * latencyWarning(240, 200) // ['latency 240 ms over the 200 ms warning budget (warnLatencyMs)']
 */
export function latencyWarning(latencyMs: number, warnLatencyMs: number | undefined): string[] {
  if (warnLatencyMs === undefined || latencyMs <= warnLatencyMs) return []
  return [`latency ${formatMs(latencyMs)} over the ${formatMs(warnLatencyMs)} warning budget (warnLatencyMs)`]
}
