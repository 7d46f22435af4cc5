/**
 * The `application/health+json` document of a run (IETF draft-inadarei-api-health-check):
 * `status` pass / warn / fail, and `checks` keyed by `component:measurement`, each an array
 * of observations with `status`, `observedValue`, `observedUnit: 'ms'`, `time`, `output`.
 *
 * @module
 */
import type { CheckResult, CheckStatus } from '../results.ts'
import { summarize } from '../results.ts'

/** One observation of a health+json check. */
export interface HealthObservation {
  componentId?: string
  componentType: string
  observedValue: number
  observedUnit: 'ms'
  status: Exclude<CheckStatus, 'skip'>
  time: string
  output?: string
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
 * Builds the health+json document of the checks that ran (skipped ones are left out).
 *
 * @example
 * const body = JSON.stringify(toHealthDocument(results))
 */
export function toHealthDocument(results: readonly CheckResult[], description = 'prodcheck'): HealthDocument {
  const ran = results.filter((r) => r.status !== 'skip')
  const counts = summarize(ran)
  const status = counts.failed > 0 ? 'fail' : counts.degraded > 0 ? 'warn' : 'pass'
  const checks: Record<string, HealthObservation[]> = {}
  for (const result of ran) {
    const key = `${result.key}:responseTime`
    const output = result.status === 'fail' ? firstLines(result.message) : result.status === 'warn' ? `passed after ${result.retries} retr${result.retries === 1 ? 'y' : 'ies'}` : undefined
    const base = { status: result.status as HealthObservation['status'], time: result.time, tier: result.tier, file: result.file, ...(output && { output }) }
    checks[key] =
      result.checks.length === 0
        ? [{ componentType: 'component', observedValue: result.latencyMs, observedUnit: 'ms', ...base }]
        : result.checks.map((check) => ({
            componentId: check.target,
            componentType: COMPONENT_TYPES[check.matcher] ?? 'component',
            observedValue: check.latencyMs,
            observedUnit: 'ms' as const,
            ...base,
            // in a failed test, the checks that held are reported as passing
            ...(result.status === 'fail' && check.ok && { status: 'pass' as const, output: undefined }),
          }))
  }
  const notes = [`${counts.passed} passed, ${counts.degraded} degraded, ${counts.failed} failed`]
  const failed = ran.find((r) => r.status === 'fail')
  return { status, description, notes, ...(failed && { output: `${failed.name}: ${observedLine(failed.message)}` }), checks }
}

const COMPONENT_TYPES: Record<string, string> = {
  toConnectToDatabase: 'datastore',
  toConnectToBroker: 'component',
  toRespondHttp: 'component',
  toBePingable: 'system',
  toAcceptTcp: 'system',
  toResolveDns: 'system',
  toHaveValidCertificate: 'system',
  toAcceptMail: 'component',
  toHaveEnv: 'system',
  toSatisfyVersion: 'system',
}

/** The "observed" line of a matcher message (what went wrong), else its first line. */
function observedLine(message: string | undefined): string {
  const lines = (message ?? '').split('\n')
  return (lines.find((line) => line.trimStart().startsWith('observed')) ?? lines[0] ?? '').replace(/^\s*observed\s+/, '')
}

function firstLines(message: string | undefined, count = 4): string | undefined {
  return message?.split('\n').slice(0, count).join('\n')
}
