/**
 * Prometheus metrics of `prodcheck serve`, with prom-client:
 * `prodcheck_check_up{check,tier,file}` (1 up, 0 down), `prodcheck_check_degraded`,
 * `prodcheck_check_duration_seconds` (histogram of check latencies, for percentiles),
 * `prodcheck_check_latency_budget_seconds` (the `maxLatencyMs` of checks that have one),
 * `prodcheck_run_duration_seconds`, `prodcheck_run_errors`, `prodcheck_last_run_timestamp_seconds`,
 * `prodcheck_interval_seconds`, `prodcheck_runs_total`.
 *
 * @module
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Snapshot } from './scheduler.ts'

const LABELS = ['check', 'tier', 'file'] as const

/** The registry and how to feed it a snapshot. */
export interface Metrics {
  registry: Registry
  update(snapshot: Snapshot): void
  /** The exposition text, refreshed by `update`. */
  text(): Promise<string>
}

/**
 * Creates the metrics, with `labels` as constant labels on every series (e.g. env, region).
 *
 * @example
 * const metrics = createMetrics({ env: 'prod' }, 30_000)
 * metrics.update(snapshot)
 */
export function createMetrics(labels: Record<string, string> = {}, intervalMs?: number): Metrics {
  const registry = new Registry()
  registry.setDefaultLabels(labels)
  const up = new Gauge({
    name: 'prodcheck_check_up',
    help: 'Whether the check passed in the last run (1) or failed (0).',
    labelNames: LABELS,
    registers: [registry],
  })
  const degraded = new Gauge({
    name: 'prodcheck_check_degraded',
    help: 'Whether the check passed only after a retry in the last run.',
    labelNames: LABELS,
    registers: [registry],
  })
  const duration = new Histogram({
    name: 'prodcheck_check_duration_seconds',
    help: 'Latency of the checks, by run.',
    labelNames: LABELS,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  })
  const runDuration = new Gauge({ name: 'prodcheck_run_duration_seconds', help: 'Duration of the last run of the suite.', registers: [registry] })
  const lastRun = new Gauge({
    name: 'prodcheck_last_run_timestamp_seconds',
    help: 'When the last run of the suite finished (Unix time).',
    registers: [registry],
  })
  const budget = new Gauge({
    name: 'prodcheck_check_latency_budget_seconds',
    help: 'Latency budget of the check (its maxLatencyMs), when it has one.',
    labelNames: LABELS,
    registers: [registry],
  })
  const runErrors = new Gauge({
    name: 'prodcheck_run_errors',
    help: 'Errors of the last run outside any check (a file that did not load, an unhandled rejection): the run failed.',
    registers: [registry],
  })
  const runs = new Counter({ name: 'prodcheck_runs_total', help: 'Runs of the suite completed since start.', registers: [registry] })
  const interval = new Gauge({
    name: 'prodcheck_interval_seconds',
    help: 'Pause between two runs of the suite: results older than a few of these are stale.',
    registers: [registry],
  })
  if (intervalMs !== undefined) interval.set(intervalMs / 1000)
  return {
    registry,
    update(snapshot) {
      // checks that disappeared from the suite must not linger with their last value
      up.reset()
      degraded.reset()
      budget.reset()
      for (const check of snapshot.checks) {
        // the key, unique in the run: checks of the same name are distinct series
        const series = { check: check.key, tier: check.tier, file: check.file }
        up.set(series, check.status === 'fail' ? 0 : 1)
        degraded.set(series, check.status === 'warn' ? 1 : 0)
        if (check.timed) duration.observe(series, check.latencyMs / 1000)
        if (check.budgetMs !== undefined) budget.set(series, check.budgetMs / 1000)
      }
      runErrors.set(snapshot.errors.length)
      runDuration.set((snapshot.durationMs ?? 0) / 1000)
      if (snapshot.finishedAt) lastRun.set(Date.parse(snapshot.finishedAt) / 1000)
      runs.inc()
    },
    text: () => registry.metrics(),
  }
}
