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
import { TargetError } from '../core/errors.ts'
import {
  abortedError,
  budgetExceeded,
  cancelBudget,
  checkBytes,
  closeGracefully,
  DEFAULT_TIMEOUT_MS,
  describeNetworkError,
  describeValue,
  errorCode,
  errorMessage,
  checkDuration,
  checkOptions,
  formatMs,
  latencyFailure,
  type ProbeError,
  type ProbeResult,
  probeResult,
  startDeadline,
  within,
} from '../core/probe.ts'
import { openScope, type ProbeScope } from '../core/probe-scope.ts'
import { redact } from '../core/redact.ts'
import { displayUrl, hostPort, parseUrl } from '../core/targets.ts'
import type { DatabaseObserved, DatabaseProbeOptions } from './database.ts'
import { checkQuery, firstRows } from './query.ts'

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
  checkOptions(options)
  const url = parseUrl(dsn, ['mysql:', 'mariadb:'], 'a mysql:// or mariadb:// DSN')
  const query = checkQuery(options.query)
  const timeoutMs = checkDuration('timeoutMs', options.timeoutMs) ?? DEFAULT_TIMEOUT_MS
  const maxLatencyMs = checkDuration('maxLatencyMs', options.maxLatencyMs)
  const where = hostPort(url, 3306)
  const scheme = `${url.protocol}//`
  const scope = openScope(checkBytes('maxReceivedBytes', options.maxReceivedBytes))
  const observed: DatabaseObserved = { engine: 'mysql' }
  const uri = `mysql:${dsn.slice(url.protocol.length)}`

  const mysql = await importDriver(loadMysql, 'mysql2', scheme)
  checkSsl(url)
  const connection = createConnection(mysql, uri, timeoutMs, scope)
  const deadline = startDeadline(timeoutMs, signal)
  let phase = 'connecting'
  let error: ProbeError | undefined
  try {
    const conn = connection
    conn.on('error', () => {}) // a reset after the deadline must not crash the worker
    await Promise.race([new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve()))), deadline.aborted])
    observed.serverVersion = (conn as unknown as { _handshakePacket?: { serverVersion?: string } })._handshakePacket?.serverVersion
    if (query) {
      phase = 'running the query'
      const rows = await Promise.race([
        new Promise<unknown>((resolve, reject) => conn.query(query, (err, result) => (err ? reject(err) : resolve(result)))),
        deadline.aborted,
      ])
      if (Array.isArray(rows)) {
        observed.rows = firstRows(rows)
        observed.rowCount = rows.length
      } else observed.rowCount = (rows as { affectedRows?: number }).affectedRows ?? 0
    }
  } catch (caught) {
    error = budgetExceeded(scope, where, phase) ?? abortedError(deadline) ?? describeMysqlError(caught, where, phase, deadline.timedOut() ? timeoutMs : undefined)
  } finally {
    deadline.clear()
  }
  const latencyMs = deadline.elapsed()
  if (error && phase === 'running the query' && deadline.signal.aborted) {
    // the server goes on running the query after we give up, unless told to stop
    observed.cancelled = await killQuery(mysql, uri, connection.threadId, scope, cancelBudget(timeoutMs))
    if (!observed.cancelled) error = { ...error, hint: `${error.hint ?? ''}; the query may still run on the server: KILL QUERY did not succeed within ${formatMs(cancelBudget(timeoutMs))}`.replace(/^; /, '') }
  }
  // mysql2's destroy() only ends the stream (a FIN a frozen peer never answers): destroy the socket too
  const destroy = (): void => {
    connection.destroy()
    ;(connection as unknown as { stream?: { destroy(): void } }).stream?.destroy()
  }
  if (error) destroy()
  else await closeGracefully(() => new Promise<void>((resolve) => connection.end(() => resolve())), destroy)
  scope.close()

  return probeResult({
    target: displayUrl(url),
    latencyMs,
    observed,
    error,
    failures: () => latencyFailure(latencyMs, maxLatencyMs),
    summary: () => `${/mariadb/i.test(observed.serverVersion ?? '') ? 'MariaDB' : 'MySQL'} ${observed.serverVersion ?? ''} ${query ? `answered ${query.length > 40 ? `${query.slice(0, 40)}…` : query}` : 'accepted the connection'}`.replace(/ +/g, ' '),
  })
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
async function killQuery(mysql: typeof import('mysql2'), uri: string, threadId: number | null, scope: ProbeScope, budgetMs: number): Promise<boolean> {
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

function describeMysqlError(error: unknown, where: string, phase: string, timedOutAfter: number | undefined): ProbeError {
  if (timedOutAfter !== undefined) {
    return {
      code: 'ETIMEDOUT',
      message: `no answer from ${where} within ${formatMs(timedOutAfter)} while ${phase}`,
      hint: phase === 'connecting'
        ? 'the server did not complete the handshake: is it overloaded, is this really MySQL/MariaDB, or does a firewall drop the packets?'
        : 'the query did not finish in time: check locks and load on the server, or make the query cheaper',
    }
  }
  const code = errorCode(error)
  const hint = ERROR_HINTS[code]
  if (hint || /^ER_/.test(code)) {
    return { code, message: `MySQL at ${where} answered: ${redact(errorMessage(error))}`, ...(hint && { hint }) }
  }
  return describeNetworkError(error, where)
}
