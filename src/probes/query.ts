/**
 * The optional `query` of database probes: validated input, bounded output.
 *
 * @module
 */
import { TargetError } from '../core/errors.ts'
import { describeValue } from '../core/probe.ts'
import { isSecretName, MASK } from '../core/redact.ts'
import { MAX_EXCERPT_CHARS, peerText } from '../core/text.ts'

/** Rows of a result kept in `observed.rows`. */
export const MAX_ROWS = 5
/** Columns of a row, items of an array, keys of an object kept in `observed.rows`. */
const MAX_ITEMS = 20

/**
 * Validates the `query` option: undefined, or a non-empty string.
 *
 * @example
 * checkQuery(' select 1 ') // 'select 1'
 */
export function checkQuery(query: unknown): string | undefined {
  if (query === undefined) return undefined
  if (typeof query !== 'string' || query.trim() === '') throw new TargetError(`query must be a non-empty string, got ${describeValue(query)}`)
  return query.trim()
}

/**
 * The first rows of a result, for `observed.rows`: each value cut before it is redacted
 * (a 10 MB text column costs a 300-character excerpt), bytes as their length, at most 20
 * columns, items or keys at each level, 3 levels deep; columns named like secrets masked.
 *
 * @example
 * firstRows([{ n: 1, note: 'x'.repeat(10_000) }]) // [{ n: 1, note: 'xxx…… (10000 characters in all)' }]
 */
export function firstRows(rows: unknown[]): unknown[] {
  return rows.slice(0, MAX_ROWS).map((row) => bounded(row, 3))
}

function bounded(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return peerText(value, MAX_EXCERPT_CHARS)
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value
  if (typeof value === 'bigint') return String(value)
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString()
  if (value instanceof Uint8Array) return `(${value.byteLength} bytes)`
  if (depth === 0 || typeof value !== 'object') return `(${Array.isArray(value) ? 'array' : typeof value})`
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item) => bounded(item, depth - 1))
    return value.length > MAX_ITEMS ? [...items, `… ${value.length - MAX_ITEMS} more`] : items
  }
  const entries = Object.entries(value as Record<string, unknown>)
  // a column named like a secret (password, api_key) is masked whole
  const kept = entries.slice(0, MAX_ITEMS).map(([key, item]) => [peerText(key, 80), isSecretName(key) && item !== null ? MASK : bounded(item, depth - 1)])
  if (entries.length > MAX_ITEMS) kept.push(['…', `${entries.length - MAX_ITEMS} more`])
  return Object.fromEntries(kept)
}
