/**
 * `expect(url).toRespondHttp(options?)`: the URL answers as expected (status, headers,
 * body, JSON, latency), within the deadline, body included.
 *
 * @module
 */
import { formatMs } from '../src/core/text.ts'
import type { HttpObserved } from '../src/probes/http.ts'
import { describeStatus, type HttpProbeOptions } from '../src/probes/http-options.ts'
import { defineMatcher } from './check.ts'

/**
 * Asserts that an HTTP(S) URL responds as expected. Default expectation: status 2xx after
 * following up to 10 redirects, within the check deadline (5 s).
 *
 * @example
 * await expect('https://api.example.com/health').toRespondHttp({ status: 200, json: { status: 'ok' }, maxLatencyMs: 300 })
 */
export const toRespondHttp = defineMatcher({
  matcher: 'toRespondHttp',
  componentType: 'component',
  probe: () => import('../src/probes/http.ts').then((probes) => probes.probeHttp),
  facts: (observed) => ({
    ...(observed.status !== undefined && { httpStatus: observed.status }),
    ...(observed.httpVersion && { httpVersion: observed.httpVersion }),
    redirects: observed.redirects.length,
  }),
  expected: (options) => describeHttpExpectation(options),
  details: httpDetails,
})

function describeHttpExpectation(options: HttpProbeOptions): string {
  const status = options.status === undefined ? ['2xx' as const] : Array.isArray(options.status) ? options.status : [options.status]
  const parts = [`${(options.method ?? 'GET').toUpperCase()} → status ${describeStatus(status as never)}`]
  const includes = options.bodyIncludes === undefined ? [] : Array.isArray(options.bodyIncludes) ? options.bodyIncludes : [options.bodyIncludes]
  for (const text of includes) parts.push(`body including ${JSON.stringify(text)}`)
  if (options.bodyMatches) parts.push(`body matching ${String(options.bodyMatches)}`)
  if (options.json !== undefined) parts.push(`JSON matching ${showJson(options.json)}`)
  for (const [name, want] of Object.entries(options.headersMatch ?? {})) {
    parts.push(`header ${name.toLowerCase()} ${typeof want === 'string' ? `= ${JSON.stringify(want)}` : `matching ${String(want)}`}`)
  }
  if (options.maxLatencyMs !== undefined) parts.push(`within ${formatMs(options.maxLatencyMs)}`)
  if (options.followRedirects === false) parts.push('without following redirects')
  return parts.join(', ')
}

function httpDetails(result: { observed: HttpObserved; error?: unknown }): Array<[string, string]> {
  const details: Array<[string, string]> = []
  const { observed } = result
  if (observed.redirects.length > 0 && !result.error) details.push(['redirects', observed.redirects.join(' → ')])
  if (observed.status !== undefined) {
    const type = observed.headers['content-type']
    details.push(['body', `${observed.excerpt}${type ? ` [${type}]` : ''}`])
  }
  return details
}

function showJson(value: unknown): string {
  let text: string
  try {
    text = JSON.stringify(value, (_, v: unknown) => (v instanceof RegExp ? String(v) : v)) ?? String(value)
  } catch {
    text = '(a value JSON cannot show)'
  }
  return text.length > 120 ? `${text.slice(0, 120)}…` : text
}
