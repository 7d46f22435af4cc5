/**
 * The `application/health+json` document of a run (IETF draft-inadarei-api-health-check):
 * `status` pass / warn / fail, and `checks` keyed by `component:measurement`, each an array
 * of observations (one a check) with `status`, `observedValue`, `observedUnit: 'ms'`,
 * `componentType`, `time`, and for a failing or degraded check its `output`: the cause
 * (every failure line, then the fix), never its summary. Rendered from the check records.
 *
 * @module
 */
import type { CheckResult, CheckStatus, ComponentType } from '../results.ts'
import { plural } from '../../core/text.ts'
import { checkCause, summarize } from '../results.ts'

/** One observation of a health+json check. */
export interface HealthObservation {
  componentId?: string
  componentType: ComponentType
  /** Latency in ms; absent for checks that touch no network. */
  observedValue?: number
  observedUnit?: 'ms'
  status: Exclude<CheckStatus, 'skip'>
  time: string
  /** Why it failed or is degraded, one line each. */
  output?: string
  /** prodcheck extension: the matcher of the check. */
  matcher?: string
  /** prodcheck extension: the tier of the check. */
  tier: CheckResult['tier']
  /** prodcheck extension: the check file. */
  file: string
}

/** A health+json document. */
export interface HealthDocument {
  status: 'pass' | 'warn' | 'fail'
  description: string
  notes: string[]
  output?: string
  checks: Record<string, HealthObservation[]>
}

/** The media type of {@link HealthDocument}. */
export const HEALTH_MEDIA_TYPE = 'application/health+json'

/**
 * Builds the health+json document of the checks that ran. Tests left out by the tier
 * filter are counted in `notes`; a run in which no check ran is not a pass.
 *
 * @example
 * const body = JSON.stringify(toHealthDocument(results))
 */
export function toHealthDocument(results: readonly CheckResult[], description = 'prodcheck'): HealthDocument {
  const ran = results.filter((r) => r.status !== 'skip')
  const counts = summarize(results)
  const status = ran.length === 0 || counts.failed > 0 ? 'fail' : counts.degraded > 0 ? 'warn' : 'pass'
  const checks: Record<string, HealthObservation[]> = {}
  for (const result of ran) checks[`${result.key}:responseTime`] = observations(result)
  const notes = [`${counts.passed} passed, ${counts.degraded} degraded, ${counts.failed} failed`]
  if (counts.skipped > 0) notes.push(`${counts.skipped} skipped`)
  if (counts.leftOut > 0) notes.push(`${counts.leftOut} not selected (other tier)`)
  if (ran.length === 0) notes.push('no check ran: nothing says this service is healthy')
  const failed = ran.find((r) => r.status === 'fail')
  return { status, description, notes, ...(failed && { output: `${failed.name}: ${failed.cause[0] ?? 'failed'}` }), checks }
}

function observations(result: CheckResult): HealthObservation[] {
  const base = { time: result.time, tier: result.tier, file: result.file }
  const list: HealthObservation[] = result.checks.map((check) => {
    // a check that passed only on a retry is degraded, as its test is
    const retried = check.status === 'pass' && result.status === 'warn' && result.retries > 0
    const status = retried ? 'warn' : check.status
    // each observation says its own check's cause: its failures, or the soft thresholds it crossed
    const output =
      check.status === 'fail'
        ? checkCause(check)
        : check.status === 'warn'
          ? check.warnings.map((warning) => `${check.matcher} ${check.target}: ${warning}`)
          : retried
            ? [`passed after ${plural(result.retries, 'retry', 'retries')}`]
            : []
    return {
      componentId: check.target,
      componentType: check.componentType,
      ...(check.latencyMs !== undefined && { observedValue: check.latencyMs, observedUnit: 'ms' as const }),
      status,
      ...base,
      ...(output.length > 0 && { output: output.join('\n') }),
      matcher: check.matcher,
    }
  })
  // a test that failed outside its checks (an assertion, a thrown error, a hook), or ran none
  if (list.length === 0 || (result.status === 'fail' && !result.checks.some((check) => check.status === 'fail'))) {
    list.push({
      componentType: result.componentType,
      ...(result.timed && { observedValue: result.latencyMs, observedUnit: 'ms' as const }),
      status: result.status === 'skip' ? 'pass' : result.status,
      ...base,
      ...(result.cause.length > 0 && { output: result.cause.join('\n') }),
    })
  }
  return list
}
