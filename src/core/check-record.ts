/**
 * What a matcher records on its test (`task.meta.prodcheck`), for reporters, `prodcheck
 * run` and `prodcheck serve`: written in the test worker, read in the runner process.
 *
 * @module
 */

/** One check (matcher call) within a test. */
export interface CheckRecord {
  matcher: string
  /** The target, redacted. */
  target: string
  ok: boolean
  latencyMs: number
  summary: string
  /** The error code, when the exchange failed. */
  error?: string
  /** The latency budget of the check (`maxLatencyMs`), when it has one. */
  budgetMs?: number
}
