/**
 * The optional `query` of database probes: validated input, bounded output.
 *
 * @module
 */
import { describeValue } from '../probe.ts'
import { redactDeep } from '../redact.ts'
import { TargetError } from '../errors.ts'

/** Rows of a result kept in `observed.rows`. */
export const MAX_ROWS = 5

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
 * The first rows of a result, secrets redacted, for `observed.rows`.
 *
 * @example
 * firstRows([{ n: 1 }]) // [{ n: 1 }]
 */
export function firstRows(rows: unknown[]): unknown[] {
  return rows.slice(0, MAX_ROWS).map((row) => redactDeep(row))
}
