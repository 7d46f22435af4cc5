/**
 * The two tiers of `prodcheck serve` as one view: each tier runs on its own scheduler (smoke
 * every `--interval`, diagnostic every `--diagnostic-interval`), and what the endpoints serve
 * is their snapshots merged, with staleness judged at the time of asking. When a smoke check
 * turns from pass to fail, the diagnostic tier runs at once (at most once per smoke interval),
 * and that run is shown as the diagnosis of the failure.
 *
 * @module
 */
import { formatMs } from '../../core/text.ts'
import type { Tier } from '../results.ts'
import type { CachedCheck, Snapshot } from './scheduler.ts'

/** One tier's latest snapshot and its interval. */
export interface TierView {
  tier: Tier
  snapshot: Snapshot
  intervalMs: number
}

/** Results older than this many intervals are stale. */
export const STALE_INTERVALS = 3

/** The diagnosis of a smoke failure: the diagnostic run it started. */
export interface Diagnosis {
  /** The smoke checks that turned from pass to fail (their keys). */
  failed: string[]
  /** When the failure was seen. */
  at: string
  /** When the diagnostic run it started finished; absent while it runs. */
  finishedAt?: string
}

/**
 * The tiers' snapshots as one: every check (file by file, in the order of their paths), the
 * runs of both, errors of both, the last diagnosis; `stale` says why `/health` must not be
 * trusted: a tier whose results are older than three of its intervals.
 *
 * @example
 * const snapshot = mergeTiers([{ tier: 'smoke', snapshot: smoke.snapshot, intervalMs: 30_000 }], Date.now())
 */
export function mergeTiers(views: readonly TierView[], now: number, diagnosis?: Diagnosis): Snapshot {
  const ran = views.filter((view) => view.snapshot.runs > 0)
  const checks: CachedCheck[] = views.flatMap((view) => view.snapshot.checks)
  // stable: within a file, the tiers' checks keep their order
  checks.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
  const stale = views
    .map((view) => staleness(view, now))
    .filter(Boolean)
    .join('; ')
  const latest = ran.reduce<Snapshot | undefined>(
    (last, view) => (!last || (view.snapshot.finishedAt ?? '') > (last.finishedAt ?? '') ? view.snapshot : last),
    undefined,
  )
  return {
    runs: views.reduce((sum, view) => sum + view.snapshot.runs, 0),
    tierRuns: Object.fromEntries(views.map((view) => [view.tier, view.snapshot.runs])),
    running: views.some((view) => view.snapshot.running),
    ...(latest?.startedAt && { startedAt: latest.startedAt }),
    ...(latest?.finishedAt && { finishedAt: latest.finishedAt }),
    ...(latest?.durationMs !== undefined && { durationMs: latest.durationMs }),
    checks,
    errors: views.flatMap((view) => view.snapshot.errors),
    ...(stale && { stale }),
    ...(diagnosis && { diagnosis }),
  }
}

/** Why a tier's results cannot be trusted now, if they cannot. */
function staleness({ tier, snapshot, intervalMs }: TierView, now: number): string | undefined {
  if (snapshot.runs === 0 || !snapshot.finishedAt) return undefined
  const age = now - Date.parse(snapshot.finishedAt)
  if (age > STALE_INTERVALS * intervalMs) {
    return `the ${tier} results are ${formatMs(age)} old, over ${STALE_INTERVALS} intervals of ${formatMs(intervalMs)}: no run has completed since`
  }
  return undefined
}

/**
 * The smoke checks that turned from pass (or warn) to fail between two snapshots, by key.
 *
 * @example
 * newlyFailed(before, after) // ['api is up']
 */
export function newlyFailed(before: Snapshot, after: Snapshot): string[] {
  const previous = new Map(before.checks.map((check) => [check.id, check.status]))
  return after.checks
    .filter((check) => check.status === 'fail' && (previous.get(check.id) === 'pass' || previous.get(check.id) === 'warn'))
    .map((check) => check.key)
}
