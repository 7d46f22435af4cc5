/**
 * PostgreSQL probe, on `pg`: connect (TCP, TLS per `sslmode`, authentication, database),
 * run the optional query, terminate, all under one deadline. A query still running at the
 * deadline is cancelled on the server (a CancelRequest, as `psql` sends on Ctrl-C), so that
 * a slow query does not go on holding a backend after the check has failed.
 *
 * The DSN goes to `pg` as a connection string, so its parameters (`sslmode=verify-full`,
 * `sslrootcert`, `application_name`, `options`…) mean what they mean to `pg`.
 *
 * @module
 */
import { Socket } from 'node:net'
import type { Client, QueryResult } from 'pg'
import { once } from '../core/drivers.ts'
import { closeGracefully, within } from '../core/deadline.ts'
import { TargetError } from '../core/errors.ts'
import { runExchange } from '../core/exchange.ts'
import { describeNetworkError, errorCode, errorMessage } from '../core/network-errors.ts'
import type { ProbeScope } from '../core/probe-scope.ts'
import { redact } from '../core/redact.ts'
import type { ProbeError, ProbeResult } from '../core/result.ts'
import { displayUrl, formatHostPort, isHostname, parseUrl } from '../core/targets.ts'
import { checkLimits, checkOneOf, checkOptions, describeValue } from '../core/validate.ts'
import type { DatabaseObserved, DatabaseProbeOptions } from './database.ts'
import { checkQuery, firstRows, queryTimeout, querySummary, settleQuery } from './query.ts'

const loadPg = once(() => import('pg'))

/** The sslmode values libpq (and pg) know. */
const SSL_MODES: string[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']

const SQLSTATE_HINTS: Record<string, string> = {
  '28P01': 'the password is wrong: check the DSN, or the secret it is built from',
  '28000': 'the server refused this user/host/database combination: check pg_hba.conf and the user name',
  '3D000': 'the database does not exist: check the database name at the end of the DSN',
  '53300': 'the server has no connection slot left: check max_connections and the pools of the clients',
  '57P03': 'the server is starting up, shutting down or in recovery: wait, or check its state',
  '42501': 'the user lacks a privilege for this query: grant it, or check the query',
  '57014': 'the query was cancelled (statement_timeout?): make it cheaper or raise the timeout',
}

/**
 * Connects to PostgreSQL, runs `query` if given, and closes.
 *
 * @example
 * const result = await probePostgres('postgres://app:secret@db:5432/app?sslmode=require', { query: 'select 1' })
 */
export async function probePostgres(dsn: string, options: DatabaseProbeOptions = {}, signal?: AbortSignal): Promise<ProbeResult<DatabaseObserved>> {
  const limits = checkLimits(checkOptions(options, ['query']))
  const url = parseUrl(dsn, ['postgres:', 'postgresql:'], 'a postgres:// DSN')
  checkOneOf('sslmode', url.searchParams.get('sslmode') ?? undefined, SSL_MODES)
  const query = checkQuery(options.query)
  const observed: DatabaseObserved = { engine: 'postgres' }
  const { default: pg } = await loadPg()
  let client: Client | undefined
  let stream: Socket | undefined
  let where = formatHostPort({ host: url.hostname.replace(/^\[|\]$/g, '') || 'localhost', port: Number(url.port) || 5432 })
  return runExchange(
    { where: () => where, target: displayUrl(url), limits, observed, signal },
    {
      exchange: async (step) => {
        const pgClient = createClient(pg.Client, dsn, step.scope)
        client = pgClient
        where = pgClient.host?.startsWith('/') ? pgClient.host : formatHostPort({ host: pgClient.host || 'localhost', port: pgClient.port || 5432 })
        const connection = (pgClient as unknown as { connection: NodeJS.EventEmitter & { stream: Socket } }).connection
        stream = connection.stream
        pgClient.on('error', () => {}) // errors after the deadline, e.g. a reset, must not crash the worker
        connection.on('sslconnect', () => step.scope.adopt(connection.stream))
        connection.on('parameterStatus', (msg: { parameterName: string; parameterValue: string }) => {
          if (msg.parameterName === 'server_version') observed.serverVersion = msg.parameterValue
        })
        await step.race(pgClient.connect())
        if (!query) return
        step.enter('query', 'running the query')
        const results: QueryResult | QueryResult[] = await step.race(pgClient.query(query))
        // several statements give one result each: the last is the answer
        const result = Array.isArray(results) ? results.at(-1) : results
        observed.rows = firstRows(result?.rows ?? [])
        observed.rowCount = result?.rowCount ?? result?.rows.length ?? 0
      },
      timeout: (step) => queryTimeout(where, step, 'PostgreSQL'),
      describe: (caught, step) => describePostgresError(caught, where, step.label),
      // the server goes on running the query after we give up, unless told to stop
      settle: (error, step) =>
        settleQuery(
          error,
          step,
          observed,
          (budgetMs) => (client ? cancelQuery(client, step.scope, budgetMs) : Promise.resolve(false)),
          'its cancellation could not be sent',
        ),
      close: async (failed) => {
        const destroy = (): void => {
          stream?.destroy()
        }
        if (failed || !client) destroy()
        else await closeGracefully(() => (client as Client).end(), destroy)
      },
      summary: () => querySummary('PostgreSQL', observed.serverVersion, query),
    },
  )
}

/**
 * The pg client of a DSN, checked: pg reads the DSN (and files it names, such as
 * `sslrootcert`) here, and query parameters may override host and port. Its socket is the
 * scope's (pg makes it with `new Socket()`, which no hook sees).
 */
function createClient(PgClient: typeof Client, dsn: string, scope: ProbeScope): Client {
  let client: Client
  const stream = (): Socket => {
    const socket = new Socket()
    scope.adopt(socket)
    return socket
  }
  try {
    client = new PgClient({ connectionString: dsn, application_name: 'prodcheck', stream } as ConstructorParameters<typeof Client>[0])
  } catch (error) {
    throw new TargetError(
      `the DSN cannot be used: ${redact(errorMessage(error))} (check its parameters, e.g. the files sslrootcert, sslcert and sslkey name)`,
    )
  }
  if (client.host && !client.host.startsWith('/') && !isHostname(client.host)) {
    throw new TargetError(`the DSN names an invalid host ${describeValue(client.host)}`)
  }
  // a `?port=` parameter overrides the URL's port, unchecked by pg
  if (!Number.isInteger(client.port) || client.port < 1 || client.port > 65535) {
    throw new TargetError(`the DSN names port ${describeValue(String(client.port))}: use a port between 1 and 65535`)
  }
  return client
}

/**
 * Asks the server to cancel the query of `client` (a CancelRequest on a connection of its
 * own, with the backend's key), waiting at most `budgetMs` for the request to be sent.
 */
async function cancelQuery(client: Client, scope: ProbeScope, budgetMs: number): Promise<boolean> {
  const { processID, secretKey, host, port } = client as unknown as { processID: number | null; secretKey: number | null; host: string; port: number }
  if (typeof processID !== 'number' || typeof secretKey !== 'number') return false
  const request = Buffer.alloc(16)
  request.writeInt32BE(16, 0)
  request.writeInt32BE(80877102, 4) // the CancelRequest code: 1234 << 16 | 5678
  request.writeInt32BE(processID, 8)
  request.writeInt32BE(secretKey, 12)
  const socket = new Socket()
  scope.adopt(socket)
  socket.on('error', () => {})
  // the server reads the request, cancels, and closes the connection without a word: once the
  // request is handed to the system, nothing more is needed from this side
  let written = false
  const sent = new Promise<void>((resolve) => {
    socket.once('close', () => resolve())
    socket.once('connect', () =>
      socket.end(request, () => {
        written = true
        resolve()
      }),
    )
    if (host?.startsWith('/')) socket.connect(`${host}/.s.PGSQL.${port}`)
    else socket.connect(port || 5432, host || 'localhost')
  })
  await within(sent, budgetMs)
  socket.destroy()
  return written
}

function describePostgresError(error: unknown, where: string, phase: string): ProbeError {
  const code = errorCode(error)
  const message = redact(errorMessage(error))
  if (/^[0-9A-Z]{5}$/.test(code)) {
    return { code, message: `PostgreSQL at ${where} answered: ${message}`, ...(SQLSTATE_HINTS[code] && { hint: SQLSTATE_HINTS[code] }) }
  }
  if (/does not support SSL/i.test(message)) {
    return {
      code: 'ENOSSL',
      message: `${where} does not support SSL`,
      hint: 'the DSN asks for TLS (sslmode): enable ssl on the server, or use sslmode=disable where that is acceptable',
    }
  }
  if (/Connection terminated/i.test(message)) {
    return {
      code: 'ECONNCLOSED',
      message: `${where} closed the connection while ${phase}`,
      hint: 'the server (or a proxy such as pgbouncer) hung up: check its logs, and that this port speaks PostgreSQL',
    }
  }
  return describeNetworkError(error, where)
}
