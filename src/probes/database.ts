/**
 * Database and cache probe: dispatches a DSN to the probe of its scheme.
 *
 * | scheme | probe | driver |
 * |---|---|---|
 * | `postgres://`, `postgresql://` | {@link probePostgres} | `pg` |
 * | `mysql://`, `mariadb://` | {@link probeMysql} | `mysql2` (optional peer) |
 * | `redis://`, `rediss://` | {@link probeRedis} | `ioredis` |
 *
 * Each opens one connection, authenticates, runs the optional query, and closes the
 * connection before returning, all under one deadline.
 *
 * @module
 */
import type { ProbeOptions, ProbeResult } from '../core/result.ts'
import { probeByScheme } from '../core/targets.ts'
import { probeMysql } from './mysql.ts'
import { probePostgres } from './postgres.ts'
import { probeRedis } from './redis.ts'

/** Options of {@link probeDatabase}. */
export interface DatabaseProbeOptions extends ProbeOptions {
  /** SQL to run after connecting (e.g. `select 1`), or a Redis command (`PING`, `INFO server`). Default: none for SQL, `PING` for Redis. */
  query?: string
}

/** What a database probe observed. */
export interface DatabaseObserved {
  engine: 'postgres' | 'mysql' | 'redis'
  /** Server version, when the server announced it. */
  serverVersion?: string
  /** First rows of the query result (at most 5), for SQL queries. */
  rows?: unknown[]
  /** Number of rows the query returned or affected. */
  rowCount?: number
  /** Set when the query outlived the deadline: whether the server was asked to stop it in time (PostgreSQL cancel, MySQL `KILL QUERY`). */
  cancelled?: boolean
  /** The reply to a Redis command, as text (at most 2000 characters). */
  reply?: string
}

const PROBES = {
  'postgres:': probePostgres,
  'postgresql:': probePostgres,
  'mysql:': probeMysql,
  'mariadb:': probeMysql,
  'redis:': probeRedis,
  'rediss:': probeRedis,
} as const

/** The DSN schemes {@link probeDatabase} understands. */
export const DATABASE_SCHEMES = Object.keys(PROBES).map((p) => `${p}//`)

/**
 * Connects to the database or cache a DSN names, optionally runs a query, and closes.
 *
 * @example
 * const result = await probeDatabase(process.env.DATABASE_URL, { query: 'select 1', maxLatencyMs: 200 })
 * console.log(result.ok ? result.observed.serverVersion : result.error?.message)
 */
export const probeDatabase: (
  dsn: string | undefined,
  options?: DatabaseProbeOptions,
  signal?: AbortSignal,
) => Promise<ProbeResult<DatabaseObserved>> = probeByScheme(PROBES, {
  what: 'a database DSN',
  kind: 'DSN',
  example: 'postgres://user:password@host:5432/db',
})
