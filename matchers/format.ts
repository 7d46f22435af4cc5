/**
 * The one formatter of matcher messages, so that every check fails the same way:
 * the target, what was expected, what was observed (with latency), what did not hold,
 * and what to fix. Every line is redacted once more, made printable (no control character
 * reaches a terminal) and cut to {@link MAX_LINE_CHARS}; a message has at most
 * {@link MAX_LINES} lines, with "… N more lines".
 *
 * @module
 */
import type { ProbeResult } from '../src/core/result.ts'
import { formatMs } from '../src/core/text.ts'
import { cutLines, MAX_LINE_CHARS, MAX_LINES, peerText } from '../src/core/text.ts'

/** Everything a message is made of. */
export interface MessageParts {
  /** Matcher name, e.g. `toRespondHttp`. */
  matcher: string
  /** True under `.not`. */
  isNot: boolean
  /** The expectation in words, e.g. `status 200, within 300 ms`. */
  expected: string
  result: ProbeResult<unknown>
  /** Extra labelled lines, e.g. `['body', '{"status":"down"}']`. */
  details?: Array<[label: string, text: string]>
}

const LABEL_WIDTH = 9
/** Failed expectations listed in a message (and in a check record); the others are counted. */
export const MAX_FAILURES = 12

/**
 * Formats the failure message of a check.
 *
 * @example
 * formatMessage({ matcher: 'toRespondHttp', isNot: false, expected: 'status 200', result })
 * // toRespondHttp: http://api/health
 * //   expected  status 200
 * //   observed  HTTP 503 Service Unavailable in 12 ms
 * //   failed    status 503, expected 200
 */
export function formatMessage({ matcher, isNot, expected, result, details = [] }: MessageParts): string {
  const lines: Array<[string, string]> = []
  // checks that touch no network (environment, versions) take no time worth showing
  const timed = result.latencyMs > 0
  const took = timed ? ` in ${formatMs(result.latencyMs)}` : ''
  // the summary is cut before the latency is added: a long one must not cut the latency off
  const summary = peerText(result.summary, MAX_LINE_CHARS - 64)
  if (isNot) {
    lines.push(['expected', `not: ${expected}`])
    lines.push(['observed', `${summary}${took}: every expectation held`])
  } else {
    lines.push(['expected', expected])
    if (result.error) {
      lines.push(['observed', `${summary}${timed ? ` (after ${formatMs(result.latencyMs)})` : ''}`])
      if (result.error.hint) lines.push(['fix', result.error.hint])
    } else {
      lines.push(['observed', `${summary}${took}`])
      // the first failures, then what came (body, records…), which says as much as the rest
      for (const failure of result.failures.slice(0, MAX_FAILURES)) lines.push(['failed', failure])
      if (result.failures.length > MAX_FAILURES) lines.push(['…', `${result.failures.length - MAX_FAILURES} more failed expectations`])
    }
  }
  lines.push(...details)
  const head = `${isNot ? 'not.' : ''}${matcher}: ${peerText(result.target, MAX_LINE_CHARS)}`
  const body = lines.map(([label, text]) => `  ${label.padEnd(LABEL_WIDTH)} ${peerText(text, MAX_LINE_CHARS)}`)
  return [
    head,
    ...cutLines(body, MAX_LINES - 1).map((line) => (line.startsWith('… ') ? `  ${'…'.padEnd(LABEL_WIDTH)} ${line.slice(2)}` : line)),
  ].join('\n')
}
