/**
 * What a matcher records on its test (`task.meta.prodcheck`), for reporters, `prodcheck
 * run` and `prodcheck serve`: written in the test worker, read in the runner process, and
 * rendered there field by field. No runner-side code reads message text.
 *
 * Every text field is redacted, printable and cut when recorded (the worker's side), and
 * again when read (the runner's side): what crosses the process boundary is data.
 *
 * @module
 */
import type { Phases } from './result.ts'

/** A check's tier: `smoke` (its test has the `smoke` tag), else `diagnostic`. */
export type Tier = 'smoke' | 'diagnostic'

/** A check's verdict: passed; passed but degraded (over a soft threshold); failed. */
export type CheckStatus = 'pass' | 'warn' | 'fail'

/** What a check looks at, in health+json's words: a service, a datastore, the system it runs on. */
export type ComponentType = 'component' | 'datastore' | 'system'

/** Why the exchange of a check failed. */
export interface CheckError {
  /** A stable code (docs/errors.md). */
  code: string
  message: string
  /** What to fix. */
  hint?: string
}

/**
 * Set to `1` by `prodcheck serve` and `prodcheck run` for their workers (`openSession`, which
 * gives Vitest no reporter of its own): they read the checks' records only, so the matchers add
 * no test annotation (a message to the main process and a stack trace each, ~0.4 ms a check).
 * `vitest run` keeps them for its reporters.
 */
export const RECORDS_ONLY_VARIABLE = 'PRODCHECK_RECORDS_ONLY'

/** The serving statuses of the gRPC health checking protocol (`HealthCheckResponse.ServingStatus`), by number. */
export const SERVING_STATUSES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const

/** Protocol facts a report may need, as values (each present where the check saw it). */
export interface CheckFacts {
  /** HTTP: final status code, version (`1.1`), redirects followed. */
  httpStatus?: number
  httpVersion?: string
  redirects?: number
  /** Certificate: expiry (ISO date) and whole days left (negative once expired). */
  notAfter?: string
  daysLeft?: number
  /** Certificate: the earliest expiry (ISO date) in the chain: the leaf, the certificates sent with it, the root they lead to. */
  earliestNotAfter?: string
  /** Certificate: the leaf's subject and issuer, as RFC 4514 distinguished names (`CN=api.example.com,O=Example`). */
  subject?: string
  issuer?: string
  /** Certificate: the leaf's serial number and SHA-256 fingerprint, lower-case hex without separators. */
  serial?: string
  fingerprintSha256?: string
  /** The server's product and version, as it announced them. */
  serverVersion?: string
  /** DNS: answers received. */
  answers?: number
  /** Database: rows the query returned or affected. */
  rowCount?: number
  /** Ping: replies received and packet loss. */
  received?: number
  packetLossPercent?: number
  /** The address connected to. */
  address?: string
  /** The protocol or engine spoken (`postgres`, `amqp`, `grpc`, `TLSv1.3`, a WebSocket subprotocol). */
  protocol?: string
  /** gRPC: the serving status the health check answered: one of {@link SERVING_STATUSES}. */
  servingStatus?: string
  /** gRPC: the status code of the health check call (0 OK, 5 NOT_FOUND, 12 UNIMPLEMENTED…). */
  grpcStatus?: number
}

/** One check (matcher call) within a test. */
export interface CheckRecord {
  /** The matcher, e.g. `toRespondHttp`. */
  matcher: string
  /** The target, redacted. */
  target: string
  tier: Tier
  status: CheckStatus
  /** True for a check under `.not`: it passes when the underlying check fails. */
  negated?: boolean
  /** True for a check its test did not await: the test ended first, and failed for it. */
  notAwaited?: boolean
  /** Wall time of the exchange in ms; absent for checks that touch no network (environment, versions). */
  latencyMs?: number
  /** Time per phase of the exchange, where measured (dns, connect, tls, firstByte, body…). */
  phases?: Phases
  /** The latency budget of the check (`maxLatencyMs`), when it has one: over it, the check fails. */
  budgetMs?: number
  /** The soft latency threshold of the check (`warnLatencyMs`), when it has one: over it, the check passes degraded. */
  warnBudgetMs?: number
  /** The expectation, one line. */
  expected: string
  /** What was observed, one line (`HTTP 503 Service Unavailable`). */
  summary: string
  /** Expectations that did not hold, one line each (at most 12, then `… N more`). */
  failures: string[]
  /** Soft thresholds crossed by a check that passed. */
  warnings: string[]
  /** Why the exchange failed, when it did. */
  error?: CheckError
  componentType: ComponentType
  facts: CheckFacts
}
