import { describe, expect, test } from 'vitest'
import { formatMessage, MAX_FAILURES } from '../../matchers/format.ts'
import type { ProbeResult } from '../../src/core/result.ts'
import { MAX_LINE_CHARS, MAX_LINES } from '../../src/core/text.ts'

const HINT = 'nothing is listening there: is the service running, and are host and port right?'

/** A completed HTTP exchange, with overrides. */
function aProbeResult(overrides: Partial<ProbeResult<unknown>> = {}): ProbeResult<unknown> {
  return {
    ok: false,
    target: 'http://api.internal/health',
    latencyMs: 12,
    summary: 'HTTP 503 Service Unavailable',
    observed: {},
    failures: ['status 503, expected 200'],
    warnings: [],
    ...overrides,
  }
}

const refused = aProbeResult({
  target: 'postgres://app:***@db:5432/app',
  latencyMs: 3.2,
  summary: 'ECONNREFUSED: connection refused by db:5432',
  failures: [],
  error: { code: 'ECONNREFUSED', message: 'connection refused by db:5432', hint: HINT },
})

describe('formatMessage', () => {
  test('a failure: the target, expected, observed with its latency, each failed expectation, then the details', () => {
    const result = aProbeResult({ failures: ['status 503, expected 200', 'JSON status is "down", expected "ok"'] })
    expect(
      formatMessage({ matcher: 'toRespondHttp', isNot: false, expected: 'GET → status 200', result, details: [['body', '{"status":"down"}']] }),
    ).toBe(
      [
        'toRespondHttp: http://api.internal/health',
        '  expected  GET → status 200',
        '  observed  HTTP 503 Service Unavailable in 12 ms',
        '  failed    status 503, expected 200',
        '  failed    JSON status is "down", expected "ok"',
        '  body      {"status":"down"}',
      ].join('\n'),
    )
  })

  test('a failed exchange: observed with the time it took to fail, then the fix; no failure is listed', () => {
    const result = { ...refused, failures: ['status 503, expected 200'] }
    expect(formatMessage({ matcher: 'toConnectToDatabase', isNot: false, expected: 'a connection, `SELECT 1`', result })).toBe(
      [
        'toConnectToDatabase: postgres://app:***@db:5432/app',
        '  expected  a connection, `SELECT 1`',
        '  observed  ECONNREFUSED: connection refused by db:5432 (after 3.2 ms)',
        `  fix       ${HINT}`,
      ].join('\n'),
    )
  })

  test('a failed exchange without a hint or a time: no fix line, no time', () => {
    const result = aProbeResult({ latencyMs: 0, summary: 'EPROTO: bad reply', failures: [], error: { code: 'EPROTO', message: 'bad reply' } })
    expect(formatMessage({ matcher: 'toAcceptTcp', isNot: false, expected: 'a TCP connection', result })).toBe(
      ['toAcceptTcp: http://api.internal/health', '  expected  a TCP connection', '  observed  EPROTO: bad reply'].join('\n'),
    )
  })

  test('under .not: the negated head and expectation, and every expectation held', () => {
    const result = aProbeResult({ ok: true, latencyMs: 18, summary: 'HTTP 200 OK', failures: [] })
    expect(formatMessage({ matcher: 'toRespondHttp', isNot: true, expected: 'status 2xx', result, details: [['body', 'ok']] })).toBe(
      [
        'not.toRespondHttp: http://api.internal/health',
        '  expected  not: status 2xx',
        '  observed  HTTP 200 OK in 18 ms: every expectation held',
        '  body      ok',
      ].join('\n'),
    )
  })

  test('a check that took no time shows none, under .not too', () => {
    const result = aProbeResult({
      target: 'environment',
      latencyMs: 0,
      summary: 'NODE_ENV is unset',
      failures: ['NODE_ENV is unset, expected "production"'],
    })
    expect(formatMessage({ matcher: 'toHaveEnv', isNot: false, expected: 'NODE_ENV = "production"', result })).toBe(
      [
        'toHaveEnv: environment',
        '  expected  NODE_ENV = "production"',
        '  observed  NODE_ENV is unset',
        '  failed    NODE_ENV is unset, expected "production"',
      ].join('\n'),
    )
    const held = aProbeResult({ ok: true, target: 'node', latencyMs: 0, summary: 'node 20.11.0', failures: [] })
    expect(formatMessage({ matcher: 'toSatisfyVersion', isNot: true, expected: '>=20', result: held }).split('\n')[2]).toBe(
      '  observed  node 20.11.0: every expectation held',
    )
  })

  test(`the first ${MAX_FAILURES} failures, then the count of the others`, () => {
    const failures = Array.from({ length: MAX_FAILURES + 3 }, (_, i) => `expectation ${i + 1} failed`)
    const lines = formatMessage({ matcher: 'toRespondHttp', isNot: false, expected: 'x', result: aProbeResult({ failures }) }).split('\n')
    expect(lines).toHaveLength(3 + MAX_FAILURES + 1)
    expect(lines.slice(3, 3 + MAX_FAILURES)).toEqual(failures.slice(0, MAX_FAILURES).map((f) => `  failed    ${f}`))
    expect(lines.at(-1)).toBe('  …         3 more failed expectations')
    expect(lines.join('\n')).not.toContain(failures[MAX_FAILURES])
  })

  test(`at most ${MAX_LINES} lines, the last one counting the lines cut`, () => {
    const details = Array.from({ length: 30 }, (_, i): [string, string] => ['record', `row ${i + 1}`])
    const lines = formatMessage({
      matcher: 'toConnectToDatabase',
      isNot: false,
      expected: 'rows',
      result: aProbeResult({ failures: [] }),
      details,
    }).split('\n')
    expect(lines).toHaveLength(MAX_LINES)
    // the head, expected, observed, then 20 records: 10 of the 30 are cut
    expect(lines[MAX_LINES - 2]).toBe('  record    row 20')
    expect(lines.at(-1)).toBe('  …         10 more lines')
  })

  test('failures over the limit and many details: both counts, the message still at most the limit', () => {
    const failures = Array.from({ length: 40 }, (_, i) => `f${i}`)
    const details = Array.from({ length: 20 }, (_, i): [string, string] => ['record', `row ${i}`])
    const lines = formatMessage({ matcher: 'toRespondHttp', isNot: false, expected: 'x', result: aProbeResult({ failures }), details }).split('\n')
    expect(lines).toHaveLength(MAX_LINES)
    expect(lines).toContain('  …         28 more failed expectations')
    // body: 2 + 12 + 1 + 20 = 35 lines, 22 of them kept
    expect(lines.at(-1)).toBe('  …         13 more lines')
  })

  test('no control character of the target, summary, failures or details reaches the message raw', () => {
    const result = aProbeResult({
      target: 'http://api.internal/\u001b]0;owned\u0007',
      summary: 'HTTP 200\u001b[2J\u2028OK\r\nX-Injected: 1',
      failures: ['bad\u0007bell', 'bidi \u202eevil'],
    })
    const message = formatMessage({
      matcher: 'toRespondHttp',
      isNot: false,
      expected: 'status\n200',
      result,
      details: [['body', 'a\u2028b\u0085c\u009bd']],
    })
    expect(message).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202e]/)
    expect(message).toBe(
      [
        'toRespondHttp: http://api.internal/\\x1b]0;owned\\x07',
        '  expected  status\\n200',
        '  observed  HTTP 200\\x1b[2J\\u2028OK\\r\\nX-Injected: 1 in 12 ms',
        '  failed    bad\\x07bell',
        '  failed    bidi \\u202eevil',
        '  body      a\\u2028b\\x85c\\x9bd',
      ].join('\n'),
    )
  })

  test(`a line over ${MAX_LINE_CHARS} characters is cut, the head too`, () => {
    const result = aProbeResult({ target: `http://api.internal/${'p'.repeat(600)}`, summary: 's'.repeat(1000), failures: ['f'.repeat(401)] })
    const lines = formatMessage({ matcher: 'toRespondHttp', isNot: false, expected: 'e'.repeat(400), result }).split('\n')
    expect(lines[0]).toBe(`toRespondHttp: http://api.internal/${'p'.repeat(MAX_LINE_CHARS - 20)}… (620 characters in all)`)
    expect(lines[1]).toBe(`  expected  ${'e'.repeat(400)}`)
    // the summary is cut first: the latency stays on the line
    expect(lines[2]).toBe(`  observed  ${'s'.repeat(MAX_LINE_CHARS - 64)}… (1000 characters in all) in 12 ms`)
    expect(lines[3]).toBe(`  failed    ${'f'.repeat(MAX_LINE_CHARS)}… (401 characters in all)`)
  })

  test('a 10 MB summary and detail are cut before they are processed: fast, and the message bounded', () => {
    const huge = '\u001b'.repeat(10 * 1024 * 1024)
    expect(huge.charCodeAt(huge.length - 1)).toBe(0x1b)
    formatMessage({ matcher: 'toRespondHttp', isNot: false, expected: 'warm up', result: aProbeResult() })
    const start = performance.now()
    const message = formatMessage({
      matcher: 'toRespondHttp',
      isNot: false,
      expected: 'x',
      result: aProbeResult({ summary: huge }),
      details: [['body', huge]],
    })
    expect(performance.now() - start).toBeLessThan(250)
    expect(message.length).toBeLessThan(2000)
    expect(message.split('\n')[4]).toBe(`  body      ${'\\x1b'.repeat(100)}… (10485760 characters in all)`)
  })
})
