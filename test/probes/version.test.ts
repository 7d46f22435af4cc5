import { describe, expect, test } from 'vitest'
import { TargetError } from '../../src/core/errors.ts'
import { probeVersion } from '../../src/probes/version.ts'

describe('probeVersion', () => {
  test('checks process.version', () => {
    expect(probeVersion(process.version, '>=20')).toMatchObject({ ok: true, observed: { version: process.version.slice(1) } })
    expect(probeVersion('v20.9.0', '>=20.11')).toMatchObject({ ok: false, failures: ['20.9.0 does not satisfy >=20.11'] })
  })

  test('finds the version in free text', () => {
    expect(probeVersion('PostgreSQL 15.4 (Debian 15.4-1.pgdg120+1) on x86_64-pc-linux-gnu', '^15').observed.version).toBe('15.4.0')
    expect(probeVersion('redis_version:7.0.15', '>=6.2 <8').ok).toBe(true)
    expect(probeVersion('10.11.19-MariaDB-0+deb12u1', '>=10.6').ok).toBe(true)
  })

  test.each([
    ['', '>=1', /must be a version string/],
    [42, '>=1', /must be a version string/],
    ['no digits here', '>=1', /no version number found/],
    ['1.2.3', 'latest', /is not a semver range/],
  ])('rejects %j %j', (text, range, message) => {
    expect(() => probeVersion(text, range)).toThrow(TargetError)
    expect(() => probeVersion(text, range)).toThrow(message)
  })
})
