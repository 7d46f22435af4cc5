import { describe, expect, test } from 'vitest'
import { TargetError } from '../../src/core/errors.ts'
import { registerSecret } from '../../src/core/redact.ts'
import {
  checkBoolean,
  checkBytes,
  checkDays,
  checkDnsName,
  checkDuration,
  checkInteger,
  checkLimits,
  checkObject,
  checkOneOf,
  checkOptions,
  checkStrings,
  describeValue,
} from '../../src/core/validate.ts'

describe('checkDuration', () => {
  test('accepts positive milliseconds and undefined', () => {
    expect(checkDuration('timeoutMs', 250)).toBe(250)
    expect(checkDuration('timeoutMs', undefined)).toBeUndefined()
  })

  test.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5000', 3e9])('rejects %j with the option name', (value) => {
    expect(() => checkDuration('timeoutMs', value)).toThrow(/^timeoutMs must be a positive number of milliseconds/)
  })
})

describe('one message style: <name> must be <what>, got <value>', () => {
  test.each([
    [() => checkOptions(null as never), 'options must be an object, got null'],
    [() => checkOptions([] as never), 'options must be an object, got an array'],
    [() => checkInteger('count', 0, 1, 100), 'count must be a whole number from 1 to 100, got 0'],
    [() => checkInteger('count', 2.5, 1, 100), 'count must be a whole number from 1 to 100, got 2.5'],
    [() => checkDays('minDaysLeft', -1), 'minDaysLeft must be a number of days (0 or more), got -1'],
    [() => checkOneOf('type', 'AXFR', ['A', 'AAAA']), 'type must be one of A, AAAA, got "AXFR"'],
    [() => checkBoolean('requireTls', 'yes'), 'requireTls must be true or false, got "yes"'],
    [() => checkDnsName('servername', '10.0.0.1'), 'servername must be a DNS name, got "10.0.0.1"'],
    [() => checkStrings('includes', 5), 'includes must be a string or a list of strings, got 5'],
    [() => checkStrings('includes', ['a', '']), 'includes must be a string or a list of non-empty strings, got ""'],
    [() => checkObject('tls', 'on' as never, '{ ca }'), 'tls must be an object ({ ca }), got "on"'],
    [() => checkBytes('maxReceivedBytes', 1.5), 'maxReceivedBytes must be a positive whole number of bytes, got 1.5'],
    [() => checkLimits({ warnLatencyMs: -1 }), 'warnLatencyMs must be a positive number of milliseconds, got -1'],
  ])('%#: %s', (check, message) => {
    expect(check).toThrow(TargetError)
    expect(check).toThrow(message)
  })

  test('a value in a message is short and has no secret', () => {
    registerSecret('hunter2-in-a-type')
    expect(() => checkOneOf('type', 'hunter2-in-a-type', ['A'])).toThrow('type must be one of A, got "***"')
    expect(describeValue('x'.repeat(200))).toBe(`"${'x'.repeat(80)}…"`)
  })

  test('checkLimits: the deadline defaults, the rest stays absent unless given', () => {
    expect(checkLimits({})).toEqual({ timeoutMs: 5000 })
    expect(checkLimits({ timeoutMs: 2000, maxLatencyMs: 300, warnLatencyMs: 200, maxReceivedBytes: 1024 })).toEqual({
      timeoutMs: 2000,
      maxLatencyMs: 300,
      warnLatencyMs: 200,
      maxReceivedBytes: 1024,
    })
  })
})
