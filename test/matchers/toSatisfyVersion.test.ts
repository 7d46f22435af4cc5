import { describe, expect, test } from 'vitest'

describe('toSatisfyVersion', () => {
  test('passes for the running Node', () => {
    expect(process.version).toSatisfyVersion('>=20')
  })

  test('fails with the version found and the range', () => {
    expect(() => expect('PostgreSQL 13.9 on x86_64').toSatisfyVersion('>=15')).toThrow(
      [
        'toSatisfyVersion: PostgreSQL 13.9 on x86_64',
        '  expected  a version in >=15',
        '  observed  version 13.9.0',
        '  failed    13.9.0 does not satisfy >=15',
      ].join('\n'),
    )
  })

  test('rejects a bad range, even under .not', () => {
    expect(() => expect('1.2.3').not.toSatisfyVersion('newest')).toThrow('toSatisfyVersion: "newest" is not a semver range')
  })
})
