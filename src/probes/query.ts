/**
 * The optional `query` of database probes: validated input, bounded output.
 *
 * @module
 */
import { cancelBudget } from '../core/deadline.ts'
import { TargetError } from '../core/errors.ts'
import { type Step, timeoutError } from '../core/exchange.ts'
import { isSecretName, MASK } from '../core/redact.ts'
import type { ProbeError } from '../core/result.ts'
import { formatMs, MAX_EXCERPT_CHARS, peerText } from '../core/text.ts'
import { describeValue } from '../core/validate.ts'
import type { DatabaseObserved } from './database.ts'

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
  const kept = entries
    .slice(0, MAX_ITEMS)
    .map(([key, item]) => [peerText(key, 80), isSecretName(key) && item !== null ? MASK : bounded(item, depth - 1)])
  if (entries.length > MAX_ITEMS) kept.push(['…', `${entries.length - MAX_ITEMS} more`])
  return Object.fromEntries(kept)
}

/** The hint of a query (or command) that outlived the deadline. */
export const SLOW_QUERY_HINT = 'the query did not finish in time: check locks and load on the server, or make the query cheaper'

/**
 * The error of a database exchange at its deadline: a query too slow, or a handshake that did
 * not complete with a server that should speak `product`.
 *
 * @example
 * timeout: (step) => queryTimeout(where, step, 'PostgreSQL')
 */
export function queryTimeout(where: string, step: Step, product: string): ProbeError {
  return timeoutError(
    where,
    step,
    step.phase === 'query'
      ? SLOW_QUERY_HINT
      : `the server did not complete the handshake: is it overloaded, is this really ${product}, or does a firewall drop the packets?`,
  )
}

/**
 * After a failure at the deadline while the query ran: asks the server to stop it (`cancel`,
 * given {@link cancelBudget}), records whether it could (`observed.cancelled`), and says so
 * in the hint when it could not. Other failures are returned as they are.
 *
 * @example
 * settle: (error, step) => settleQuery(error, step, observed, (budgetMs) => cancelQuery(client, step.scope, budgetMs), 'its cancellation could not be sent')
 */
export async function settleQuery(
  error: ProbeError,
  step: Step,
  observed: DatabaseObserved,
  cancel: (budgetMs: number) => Promise<boolean>,
  failed: string,
): Promise<ProbeError> {
  if (step.phase !== 'query') return error
  const budgetMs = cancelBudget(step.timeoutMs)
  observed.cancelled = await cancel(budgetMs)
  if (observed.cancelled) return error
  const note = `the query may still run on the server: ${failed} within ${formatMs(budgetMs)}`
  return { ...error, hint: error.hint ? `${error.hint}; ${note}` : note }
}

/**
 * The summary of a database check: the product and version, and what it answered.
 *
 * @example
 * querySummary('PostgreSQL', '16.2', 'select 1') // 'PostgreSQL 16.2 answered select 1'
 */
export function querySummary(product: string, version: string | undefined, query: string | undefined): string {
  const what = query ? `answered ${query.length > 40 ? `${query.slice(0, 40)}…` : query}` : 'accepted the connection'
  return [product, version, what].filter(Boolean).join(' ')
}
