/**
 * Environment probe: are the variables (or keys of any object) a service needs present,
 * and do their values have the expected shape? Reports **names only**: a value is never
 * copied into the result, not even a redacted one.
 *
 * @module
 */
import { TargetError } from '../core/errors.ts'
import type { ProbeResult } from '../core/result.ts'
import { plural } from '../core/text.ts'
import { describeValue } from '../core/validate.ts'

/** What each variable must satisfy: a list of names (present and non-empty), or name → RegExp / predicate. */
export type EnvSpec = readonly string[] | Record<string, RegExp | ((value: string) => boolean)>

/** What {@link probeEnv} observed: names only. */
export interface EnvObserved {
  /** Names checked. */
  checked: string[]
  /** Names missing or empty. */
  missing: string[]
  /** Names present whose value did not pass its check. */
  invalid: string[]
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/

/**
 * Checks variables of `env` (usually `process.env`) against `spec`. Synchronous.
 *
 * @example
 * probeEnv(process.env, ['DATABASE_URL', 'REDIS_URL']).ok
 * probeEnv(process.env, { PORT: /^\d+$/, NODE_ENV: (v) => v === 'production' }).observed.invalid
 */
export function probeEnv(env: unknown, spec: EnvSpec): ProbeResult<EnvObserved> {
  if (env === null || typeof env !== 'object' || Array.isArray(env)) {
    throw new TargetError(`the target must be process.env or an object of variables, got ${describeValue(env)}`)
  }
  const checks = normalize(spec)
  const values = env as Record<string, unknown>
  const observed: EnvObserved = { checked: checks.map(([name]) => name), missing: [], invalid: [] }
  const failures: string[] = []
  for (const [name, check] of checks) {
    const value = values[name]
    if (value === undefined || value === null || value === '') {
      observed.missing.push(name)
      continue
    }
    const text = typeof value === 'string' ? value : String(value)
    let passed: boolean
    try {
      passed = check ? (check instanceof RegExp ? testPattern(check, text) : check(text) === true) : true
    } catch {
      passed = false
    }
    if (!passed) {
      observed.invalid.push(name)
      failures.push(
        `${name} is set but ${check instanceof RegExp ? `does not match ${String(check)}` : 'was rejected by its check'} (value not shown)`,
      )
    }
  }
  if (observed.missing.length > 0) failures.unshift(`missing or empty: ${observed.missing.join(', ')}`)
  return {
    ok: failures.length === 0,
    target: 'environment',
    latencyMs: 0,
    summary:
      failures.length === 0
        ? `${plural(checks.length, 'variable')} present and valid`
        : `${observed.missing.length} missing, ${observed.invalid.length} invalid of ${checks.length}`,
    observed,
    failures,
    warnings: [],
  }
}

function normalize(spec: EnvSpec): Array<[string, RegExp | ((value: string) => boolean) | undefined]> {
  const entries: Array<[string, unknown]> = Array.isArray(spec)
    ? spec.map((name: unknown) => [name as string, undefined])
    : spec !== null && typeof spec === 'object'
      ? Object.entries(spec)
      : []
  if (entries.length === 0)
    throw new TargetError('expected a list of variable names, or an object of name → RegExp or predicate, with at least one name')
  return entries.map(([name, check]) => {
    if (typeof name !== 'string' || !NAME.test(name)) throw new TargetError(`${describeValue(name)} is not a variable name`)
    if (check !== undefined && !(check instanceof RegExp) && typeof check !== 'function') {
      throw new TargetError(`the check of ${name} must be a RegExp or a function (value) => boolean, got ${describeValue(check)}`)
    }
    return [name, check as RegExp | ((value: string) => boolean) | undefined]
  })
}

function testPattern(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0
  return pattern.test(text)
}
