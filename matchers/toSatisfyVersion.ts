/**
 * `expect(version).toSatisfyVersion(range)`: a version satisfies a semver range.
 *
 * @module
 */
import { probeVersion, type VersionObserved } from '../src/probes/version.ts'
import { type MatcherContext, type MatcherResult, runCheckSync } from './check.ts'

/**
 * Asserts that the version in a string (`process.version`, `SELECT version()` output,
 * `INFO server`'s redis_version…) satisfies a semver range. Synchronous.
 *
 * @example
 * expect(process.version).toSatisfyVersion('>=20.11')
 */
export function toSatisfyVersion(this: MatcherContext, target: unknown, range: string): MatcherResult {
  return runCheckSync<VersionObserved>(this, {
    matcher: 'toSatisfyVersion',
    componentType: 'system',
    expected: () => `a version in ${String(range)}`,
    inspect: () => probeVersion(target, range),
  })
}
