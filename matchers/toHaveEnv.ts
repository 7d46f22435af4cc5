/**
 * `expect(process.env).toHaveEnv(spec)`: the variables are present and well-formed.
 * Names only are ever reported, never values.
 *
 * @module
 */
import { type EnvObserved, type EnvSpec, probeEnv } from '../src/probes/env.ts'
import { cutList } from '../src/core/text.ts'
import { type MatcherContext, type MatcherResult, runCheckSync } from './check.ts'

/**
 * Asserts that `process.env` (or any object) has every listed variable, non-empty, and
 * that each value passes its RegExp or predicate. Synchronous.
 *
 * @example
 * expect(process.env).toHaveEnv(['DATABASE_URL', 'REDIS_URL'])
 * expect(process.env).toHaveEnv({ PORT: /^\d+$/, LOG_LEVEL: (v) => ['info', 'warn'].includes(v) })
 */
export function toHaveEnv(this: MatcherContext, target: unknown, spec: EnvSpec): MatcherResult {
  const names = Array.isArray(spec) ? spec : spec && typeof spec === 'object' ? Object.keys(spec) : []
  return runCheckSync<EnvObserved>(this, {
    matcher: 'toHaveEnv',
    componentType: 'system',
    expected: () => `${cutList(names)} set${Array.isArray(spec) ? '' : ' and valid'}`,
    inspect: () => probeEnv(target, spec),
  })
}
