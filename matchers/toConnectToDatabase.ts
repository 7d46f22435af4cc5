/**
 * `expect(dsn).toConnectToDatabase(options?)`: a database or cache accepts a connection
 * from here (and runs the query, when one is given).
 *
 * @module
 */
import { formatMs } from '../src/core/text.ts'
import { defineMatcher } from './check.ts'

/**
 * Asserts that the DSN's server accepts a connection with its credentials and database,
 * and runs `query` (SQL, or a Redis command; Redis defaults to `PING`).
 * Schemes: postgres, postgresql, mysql, mariadb, redis, rediss.
 *
 * @example
 * await expect(process.env.DATABASE_URL).toConnectToDatabase({ query: 'select 1', maxLatencyMs: 200 })
 */
export const toConnectToDatabase = defineMatcher({
  matcher: 'toConnectToDatabase',
  componentType: 'datastore',
  probe: () => import('../src/probes/database.ts').then((probes) => probes.probeDatabase),
  facts: (observed) => ({
    protocol: observed.engine,
    ...(observed.serverVersion && { serverVersion: observed.serverVersion }),
    ...(observed.rowCount !== undefined && { rowCount: observed.rowCount }),
  }),
  expected: (options) => {
    const query =
      typeof options.query === 'string'
        ? `, then ${JSON.stringify(options.query.length > 60 ? `${options.query.slice(0, 60)}…` : options.query)} to succeed`
        : ''
    return `a connection accepted${query}${options.maxLatencyMs === undefined ? '' : `, within ${formatMs(options.maxLatencyMs)}`}`
  },
  details: ({ observed }) => (observed.rows && observed.rows.length > 0 ? [['rows', JSON.stringify(observed.rows).slice(0, 200)]] : []),
})
