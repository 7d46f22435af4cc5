/**
 * `expect(dsn).toConnectToDatabase(options?)`: a database or cache accepts a connection
 * from here (and runs the query, when one is given).
 *
 * @module
 */
import { formatMs } from '../src/core/text.ts'
import type { DatabaseObserved, DatabaseProbeOptions } from '../src/probes/database.ts'
import { type MatcherContext, type MatcherResult, once, runCheck, withDefaultTimeout } from './check.ts'

// the probe (and the modules it needs) loads on first use: registering the matchers stays cheap
const load = once(() => import('../src/probes/database.ts'))

/**
 * Asserts that the DSN's server accepts a connection with its credentials and database,
 * and runs `query` (SQL, or a Redis command; Redis defaults to `PING`).
 * Schemes: postgres, postgresql, mysql, mariadb, redis, rediss.
 *
 * @example
 * await expect(process.env.DATABASE_URL).toConnectToDatabase({ query: 'select 1', maxLatencyMs: 200 })
 */
export function toConnectToDatabase(this: MatcherContext, target: unknown, options: DatabaseProbeOptions = {}): Promise<MatcherResult> {
  return runCheck<DatabaseObserved>(this, {
    matcher: 'toConnectToDatabase',
    componentType: 'datastore',
    facts: (observed) => ({
      protocol: observed.engine,
      ...(observed.serverVersion && { serverVersion: observed.serverVersion }),
      ...(observed.rowCount !== undefined && { rowCount: observed.rowCount }),
    }),
    budgetMs: options?.maxLatencyMs,
    expected: () => {
      const query =
        typeof options.query === 'string'
          ? `, then ${JSON.stringify(options.query.length > 60 ? `${options.query.slice(0, 60)}…` : options.query)} to succeed`
          : ''
      return `a connection accepted${query}${options.maxLatencyMs === undefined ? '' : `, within ${formatMs(options.maxLatencyMs)}`}`
    },
    details: ({ observed }) => (observed.rows && observed.rows.length > 0 ? [['rows', JSON.stringify(observed.rows).slice(0, 200)]] : []),
    probe: async (signal, timeoutMs) => (await load()).probeDatabase(target as string, withDefaultTimeout(options, timeoutMs), signal),
  })
}
