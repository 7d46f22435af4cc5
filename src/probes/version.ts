/**
 * Version probe: does a version (of Node, of a server, of anything that prints one)
 * satisfy a semver range? The version is found in free text ("PostgreSQL 15.4 (Debian…)",
 * "v20.11.1", "Redis server v=7.0.15") and compared with `semver`.
 *
 * @module
 */
import semver from 'semver'
import { TargetError } from '../core/errors.ts'
import type { ProbeResult } from '../core/result.ts'
import { describeValue } from '../core/validate.ts'

/** What {@link probeVersion} observed. */
export interface VersionObserved {
  /** The version found in the target, normalized (`20.11.1`). */
  version: string
  range: string
}

/**
 * Checks that the version in `text` satisfies `range` (e.g. `>=20.11 <23`). Synchronous.
 *
 * @example
 * probeVersion(process.version, '>=20.11').ok
 * probeVersion('PostgreSQL 15.4 (Debian 15.4-1.pgdg120+1)', '^15').observed.version // '15.4.0'
 */
export function probeVersion(text: unknown, range: unknown): ProbeResult<VersionObserved> {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new TargetError(`the target must be a version string such as process.version, got ${describeValue(text)}`)
  }
  if (typeof range !== 'string' || semver.validRange(range, { loose: true }) === null) {
    throw new TargetError(`${describeValue(range)} is not a semver range (e.g. ">=20.11", "^15", "1.2.x || >=2.0.0 <3")`)
  }
  const found = semver.coerce(text, { loose: true, includePrerelease: true })
  if (!found) throw new TargetError(`no version number found in ${describeValue(text)}`)
  const version = found.version
  const ok = semver.satisfies(version, range, { loose: true, includePrerelease: true })
  const shown = text.trim().length > 60 ? `${text.trim().slice(0, 60)}…` : text.trim()
  return {
    ok,
    target: shown,
    latencyMs: 0,
    summary: `version ${version}`,
    observed: { version, range },
    failures: ok ? [] : [`${version} does not satisfy ${range}`],
    warnings: [],
  }
}
