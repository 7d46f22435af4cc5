/**
 * An expected text, as the probes that wait for a peer's words take it (`expect` of TCP,
 * `expectMessage` of WebSocket): a string the text must include, or a RegExp it must match.
 * Always matched against a text already cut to a window (cap first, then process).
 *
 * @module
 */
import { matches } from './match.ts'
import { formatBytes } from './text.ts'
import { describeValue, invalid } from './validate.ts'

/** A text to include, or a pattern to match. */
export type Pattern = string | RegExp

/**
 * Validates a pattern option: a non-empty string of at most `maxBytes`, or a RegExp.
 *
 * @example
 * const expect = checkPattern('expect', options.expect, 4096) // undefined when not set
 */
export function checkPattern(name: string, value: unknown, maxBytes: number): Pattern | undefined {
  if (value === undefined || value instanceof RegExp) return value
  if (typeof value !== 'string' || value === '') throw invalid(name, 'a non-empty string or a RegExp', value)
  if (Buffer.byteLength(value) > maxBytes) throw invalid(name, `at most ${formatBytes(maxBytes)} of text`, value)
  return value
}

/**
 * Whether `text` includes the string, or matches the RegExp (its `lastIndex` left alone).
 *
 * @example
 * patternMatches(/^220 /, '220 mail.example.com ESMTP') // true
 */
export function patternMatches(pattern: Pattern, text: string): boolean {
  return typeof pattern === 'string' ? text.includes(pattern) : matches(pattern, text)
}

/**
 * The pattern in words: `matching /^SSH-2\.0-/`, `including "+PONG"`.
 *
 * @example
 * describePattern(/^220 /) // 'matching /^220 /'
 */
export function describePattern(pattern: Pattern): string {
  return typeof pattern === 'string' ? `including ${describeValue(pattern)}` : `matching ${String(pattern)}`
}

/**
 * The pattern not met, in words, after a subject (`none`, `does not`): `match /^220 /`,
 * `include "+PONG"`.
 *
 * @example
 * `received 3 messages: none ${describeMismatch('+PONG', 'none')}` // … none include "+PONG"
 * describeMismatch(/^220 /) // 'does not match /^220 /'
 */
export function describeMismatch(pattern: Pattern, subject = 'does not'): string {
  return typeof pattern === 'string' ? `${subject} include ${describeValue(pattern)}` : `${subject} match ${String(pattern)}`
}
