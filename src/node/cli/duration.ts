/**
 * Durations on the command line: `500ms`, `30s`, `2m`, `1h`, or a bare number of ms.
 *
 * @module
 */
import { UsageError } from './usage-error.ts'

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/**
 * Parses a duration into milliseconds.
 *
 * @example
 * parseDuration('2m', '--wait') // 120000
 * parseDuration('1500', '--timeout') // 1500
 */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  const value = match ? Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1) : Number.NaN
  if (!Number.isFinite(value) || value <= 0 || value > 2_147_483_647) {
    throw new UsageError(`${flag} takes a duration such as 500ms, 30s, 2m or 1h; got ${JSON.stringify(text)}`)
  }
  return Math.round(value)
}
