import { describe, expect, test } from 'vitest'
import { describeNetworkError, errorCode, errorMessage } from '../../src/core/network-errors.ts'

describe('describeNetworkError', () => {
  const error = (code: string, message = code) => Object.assign(new Error(message), { code })

  test('says what a refusal means and what to check', () => {
    expect(describeNetworkError(error('ECONNREFUSED'), '10.0.0.5:5432')).toEqual({
      code: 'ECONNREFUSED',
      message: 'connection refused by 10.0.0.5:5432',
      hint: 'nothing is listening there: is the service running, and are host and port right?',
    })
  })

  test('names the host without its port for DNS failures', () => {
    expect(describeNetworkError(error('ENOTFOUND'), 'db.internal:5432').message).toBe('the name db.internal does not resolve')
  })

  test('explains certificate failures', () => {
    const described = describeNetworkError(error('CERT_HAS_EXPIRED', 'certificate has expired'), 'api:443')
    expect(described.message).toBe('TLS to api:443 failed: certificate has expired')
    expect(described.hint).toMatch(/renew/)
  })

  test('keeps unknown codes and redacts their message', () => {
    expect(describeNetworkError(error('EWEIRD', 'failed for postgres://u:pw1234@h/d'), 'h:1')).toEqual({
      code: 'EWEIRD',
      message: 'h:1: failed for postgres://u:***@h/d',
    })
  })

  test('finds codes in causes and aggregate errors', () => {
    expect(errorCode(new Error('outer', { cause: error('ECONNRESET') }))).toBe('ECONNRESET')
    expect(errorCode(new AggregateError([error('ECONNREFUSED'), error('ECONNREFUSED')]))).toBe('ECONNREFUSED')
  })
})

describe('errorMessage', () => {
  test('makes what a peer sent printable, and short', () => {
    expect(errorMessage(new Error('Invalid greeting. response=\u0000\u0007\u00ff\ufffd'))).toBe('Invalid greeting. response=\\x00\\x07ÿ?')
    expect(errorMessage(new Error('x'.repeat(500)))).toBe(`${'x'.repeat(300)}… (500 characters in all)`)
  })
})
