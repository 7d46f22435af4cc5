/**
 * MySQL / MariaDB probe, on `mysql2` (an optional peer dependency, loaded on first use):
 * connect, authenticate, select the database, run the optional query, quit. A query still
 * running at the deadline is stopped on the server (`KILL QUERY` on a second connection),
 * so that a slow query does not go on holding a thread after the check has failed.
 *
 * `mariadb://` DSNs are read as `mysql://`; DSN parameters go to `mysql2` as connection
 * options (e.g. `?ssl={"rejectUnauthorized":true}`).
 *
 * @module
 */
import type { Connection } from 'mysql2'
import { importDriver, once } from '../core/drivers.ts'
import { closeGracefully, within } from '../core/deadline.ts'
import { TargetError } from '../core/errors.ts'
import { runExchange } from '../core/exchange.ts'
import { describeNetworkError, errorCode, errorMessage } from '../core/network-errors.ts'
import type { ProbeScope } from '../core/probe-scope.ts'
import { redact } from '../core/redact.ts'
import type { ProbeError, ProbeResult } from '../core/result.ts'
import { displayUrl, hostPort, parseUrl } from '../core/targets.ts'
import { checkLimits, checkOptions, describeValue } from '../core/validate.ts'
import type { DatabaseObserved, DatabaseProbeOptions } from './database.ts'
import { checkQuery, firstRows, queryTimeout, querySummary, settleQuery } from './query.ts'

const loadMysql = once(() => import('mysql2'))

const ERROR_HINTS: Record<string, string> = {
  ER_ACCESS_DENIED_ERROR: 'the user or password is wrong, or this host is not allowed for the user: check the DSN and the grants',
  ER_BAD_DB_ERROR: 'the database does not exist: check the database name at the end of the DSN',
  ER_DBACCESS_DENIED_ERROR: 'the user may not use this database: grant it, or check the database name',
  ER_CON_COUNT_ERROR: 'the server has no connection slot left: check max_connections and the pools of the clients',
  ER_HOST_IS_BLOCKED: 'the server blocked this host after too many errors: run FLUSH HOSTS and fix the cause',
  ER_HOST_NOT_PRIVILEGED: 'this host may not connect to the server: check the user@host grants',
  ER_NO_SUCH_TABLE: 'the query names a table that does not exist',
  ER_PARSE_ERROR: 'the query is not valid SQL for this server',
  HANDSHAKE_NO_SSL_SUPPORT: 'the DSN asks for TLS but the server does not offer it',
  PROTOCOL_CONNECTION_LOST: 'the server closed the connection: check its logs, and that this port speaks MySQL',
}

/**
 * Connects to MySQL or MariaDB, runs `query` if given, and closes.
 *
 * @example
 * const result = await probeMysql('mysql://app:secret@db:3306/app', { query: 'select 1' })
 */
export async function probeMysql(dsn: string, options: DatabaseProbeOptions = {}, signal?: AbortSignal): Promise<ProbeResult<DatabaseObserved>> {
  const limits = checkLimits(checkOptions(options, ['query']))
  const url = parseUrl(dsn, ['mysql:', 'mariadb:'], 'a mysql:// or mariadb:// DSN')
  const query = checkQuery(options.query)
  const where = hostPort(url, 3306)
  const observed: DatabaseObserved = { engine: 'mysql' }
  const uri = `mysql:${dsn.slice(url.protocol.length)}`
  const mysql = await importDriver(loadMysql, 'mysql2', `${url.protocol}//`)
  checkSsl(url)
  let connection: Connection | undefined
  return runExchange(
    { where, target: displayUrl(url), limits, observed, signal },
    {
      exchange: async (step) => {
        const conn = createConnection(mysql, uri, limits.timeoutMs, step.scope)
        connection = conn
        conn.on('error', () => {}) // a reset after the deadline must not crash the worker
        await step.race(new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve()))))
        observed.serverVersion = (conn as unknown as { _handshakePacket?: { serverVersion?: string } })._handshakePacket?.serverVersion
        if (!query) return
        step.enter('query', 'running the query')
        const rows = await step.race(
          new Promise<unknown>((resolve, reject) => conn.query(query, (err, result) => (err ? reject(err) : resolve(result)))),
        )
        if (Array.isArray(rows)) {
          observed.rows = firstRows(rows)
          observed.rowCount = rows.length
        } else observed.rowCount = (rows as { affectedRows?: number }).affectedRows ?? 0
      },
      timeout: (step) => queryTimeout(where, step, 'MySQL/MariaDB'),
      describe: (caught) => describeMysqlError(caught, where),
      // the server goes on running the query after we give up, unless told to stop
      settle: (error, step) =>
        settleQuery(
          error,
          step,
          observed,
          (budgetMs) => killQuery(mysql, uri, connection?.threadId ?? null, step.scope, budgetMs),
          'KILL QUERY did not succeed',
        ),
      close: async (failed) => {
        const conn = connection
        if (!conn) return
        // mysql2's destroy() only ends the stream (a FIN a frozen peer never answers): destroy the socket too
        const destroy = (): void => {
          conn.destroy()
          ;(conn as unknown as { stream?: { destroy(): void } }).stream?.destroy()
        }
        if (failed) destroy()
        else await closeGracefully(() => new Promise<void>((resolve) => conn.end(() => resolve())), destroy)
      },
      summary: () => querySummary(/mariadb/i.test(observed.serverVersion ?? '') ? 'MariaDB' : 'MySQL', observed.serverVersion, query),
    },
  )
}

/**
 * The connection of a DSN: mysql2 reads the DSN's parameters (charset, timezone…) here, and
 * refuses bad ones, before any socket is opened.
 */
function createConnection(mysql: typeof import('mysql2'), uri: string, timeoutMs: number, scope: ProbeScope): Connection {
  try {
    return scope.run(() => mysql.createConnection({ uri, connectTimeout: timeoutMs + 1000 }))
  } catch (error) {
    throw new TargetError(`the DSN cannot be used: ${redact(errorMessage(error))} (check its parameters)`)
  }
}

/** mysql2 reads `ssl` as JSON options, or as the name of a profile, of which it knows one. */
function checkSsl(url: URL): void {
  const ssl = url.searchParams.get('ssl')
  if (ssl === null || ssl === 'Amazon RDS') return
  let parsed: unknown
  try {
    parsed = JSON.parse(ssl)
  } catch {
    throw new TargetError(`ssl=${describeValue(ssl)} is neither JSON options (e.g. ssl={"rejectUnauthorized":true}) nor the profile "Amazon RDS"`)
  }
  if (typeof parsed !== 'boolean' && (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))) {
    throw new TargetError(`ssl=${describeValue(ssl)} must be JSON options, such as ssl={"rejectUnauthorized":true}`)
  }
}

/** Stops the query of thread `threadId` with `KILL QUERY` on a connection of its own, within `budgetMs`. */
async function killQuery(
  mysql: typeof import('mysql2'),
  uri: string,
  threadId: number | null,
  scope: ProbeScope,
  budgetMs: number,
): Promise<boolean> {
  if (typeof threadId !== 'number') return false
  const killer = scope.run(() => mysql.createConnection({ uri, connectTimeout: budgetMs }))
  killer.on('error', () => {})
  let killed = false
  const kill = new Promise<void>((resolve) =>
    killer.query(`KILL QUERY ${Math.trunc(threadId)}`, (error) => {
      killed = !error
      resolve()
    }),
  )
  await within(kill, budgetMs)
  killer.destroy()
  return killed
}

function describeMysqlError(error: unknown, where: string): ProbeError {
  const code = errorCode(error)
  const hint = ERROR_HINTS[code]
  if (hint || /^ER_/.test(code)) {
    return { code, message: `MySQL at ${where} answered: ${redact(errorMessage(error))}`, ...(hint && { hint }) }
  }
  return describeNetworkError(error, where)
}
