/**
 * The run loop of one tier of `prodcheck serve`: runs the tier's checks, waits `interval`
 * after each run ends, runs it again. Single flight by construction (the next run is
 * scheduled when the last one ends); requests never start a run, they read the last snapshot.
 *
 * A run that outlives its deadline (the longest check deadline of the tier and a margin) is
 * cancelled, and the checks it had not finished are recorded as failed ("did not finish
 * within …: the run was cancelled"). A run that does not end once cancelled (a check that
 * blocks its worker's event loop) has its session closed and replaced: the checks of the tier
 * fail, and the next run starts on a fresh Vitest.
 *
 * @module
 */
import { formatMs } from '../../core/text.ts'
import type { CheckResult, CheckStatus, Tier } from '../results.ts'
import type { RunOutcome, Session } from '../session.ts'
import type { CheckHistory } from './history.ts'
import type { Diagnosis } from './monitor.ts'

/** A check in the cache, with the time its status last changed, and its history when `serve` keeps one. */
export interface CachedCheck extends CheckResult, Partial<CheckHistory> {
  lastChange: string
}

/** What the endpoints serve. */
export interface Snapshot {
  /** Completed runs so far. */
  runs: number
  /** Completed runs so far, by tier (when the snapshot merges tiers). */
  tierRuns?: Partial<Record<Tier, number>>
  running: boolean
  startedAt?: string
  finishedAt?: string
  durationMs?: number
  checks: CachedCheck[]
  /** Errors of the last run outside any check. */
  errors: string[]
  /** Set while results are older than three intervals: why `/health` answers 503. */
  stale?: string
  /** The last diagnosis: the diagnostic run a smoke failure started. */
  diagnosis?: Diagnosis
}

/** What a scheduler needs beyond its session and interval. */
export interface SchedulerOptions {
  /** The tier it runs (names its runs in messages). */
  tier?: Tier
  /** The deadline of a run, in ms (asked at each run); none by default. */
  deadlineMs?: number | (() => number)
  /** How long a cancelled run may take to end before its session is replaced. */
  graceMs?: number
  /** Opens a fresh session, to replace one whose run would not end. */
  reopen?: () => Promise<Session>
}

/** How long a cancelled run has to end, by default. */
const GRACE_MS = 5000

/** Runs the session every `intervalMs`, keeping the last results. */
export class Scheduler {
  snapshot: Snapshot = { runs: 0, running: false, checks: [], errors: [] }
  private timer?: NodeJS.Timeout
  private current?: Promise<void>
  private stopped = false
  private again = false
  private readonly since = new Map<string, { status: CheckStatus; at: string }>()

  constructor(
    private session: Session,
    private readonly intervalMs: number,
    private readonly onRun: (snapshot: Snapshot) => void | Promise<void>,
    private readonly onError: (error: unknown) => void,
    private readonly options: SchedulerOptions = {},
  ) {}

  /** Starts the loop with a first run now. */
  start(): void {
    this.schedule(0)
  }

  /**
   * Runs now rather than at the end of the interval (a smoke check just failed: diagnose it).
   * Single flight: during a run, the next one starts as soon as it ends.
   */
  runNow(): void {
    if (this.stopped) return
    if (this.current) {
      this.again = true
      return
    }
    clearTimeout(this.timer)
    this.schedule(0)
  }

  /** Stops the loop: no new run; the run in progress is cancelled and awaited. */
  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    // the run may end (and clear `current`) while it is being cancelled
    const current = this.current
    if (current) {
      await this.session.cancel().catch(() => {})
      await current.catch(() => {})
    }
  }

  /** The session runs are made on (a replaced one after a run that would not end). */
  get activeSession(): Session {
    return this.session
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.current = this.runOnce().finally(() => {
        this.current = undefined
        const now = this.again
        this.again = false
        this.schedule(now ? 0 : this.intervalMs)
      })
    }, delayMs)
  }

  private async runOnce(): Promise<void> {
    this.snapshot = { ...this.snapshot, running: true }
    try {
      const outcome = await this.withDeadline(this.session.runAll())
      if (this.stopped) return
      this.snapshot = this.toSnapshot(outcome)
      await this.onRun(this.snapshot)
    } catch (error) {
      this.snapshot = { ...this.snapshot, running: false }
      this.onError(error)
    }
  }

  /**
   * The outcome of a run, or, past the deadline, of a cancelled one: the checks it had not
   * finished failed. A run that does not end once cancelled costs its session.
   */
  private async withDeadline(run: Promise<RunOutcome>): Promise<RunOutcome> {
    const deadlineMs = typeof this.options.deadlineMs === 'function' ? this.options.deadlineMs() : this.options.deadlineMs
    if (deadlineMs === undefined) return run
    const startedAt = new Date()
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), deadlineMs)
    })
    const first = await Promise.race([run, late]).finally(() => clearTimeout(timer))
    if (first !== 'late') return first
    const why = `did not finish within ${formatMs(deadlineMs)}: the ${this.options.tier ?? ''}${this.options.tier ? ' ' : ''}run was cancelled`
    // (Vitest's cancel resolves when the run has ended: not awaited, the grace is the run's)
    void this.session.cancel().catch(() => {})
    const grace = this.options.graceMs ?? GRACE_MS
    const settled = await Promise.race([run.catch(() => undefined), sleep(grace).then(() => 'late' as const)])
    if (settled && settled !== 'late') return unfinishedFailed(settled, this.options.tier, why)
    // the run does not end: a check blocks its worker. A fresh Vitest for the next runs
    const replaced = this.options.reopen
    if (replaced) {
      await Promise.race([this.session.close().catch(() => {}), sleep(grace)])
      this.session = await replaced()
    }
    const checks = this.snapshot.checks.map((check) => failed(check, `${why}; a check blocked its worker, which was replaced`))
    return { startedAt, finishedAt: new Date(), results: checks, errors: [] }
  }

  private toSnapshot(outcome: RunOutcome): Snapshot {
    const finishedAt = outcome.finishedAt.toISOString()
    const checks = outcome.results
      .filter((result) => result.status !== 'skip')
      .map((result) => {
        // Vitest's id of a test is stable across runs, and unique where names are not
        const before = this.since.get(result.id)
        const lastChange = before && before.status === result.status ? before.at : finishedAt
        this.since.set(result.id, { status: result.status, at: lastChange })
        return { ...result, lastChange }
      })
    return {
      runs: this.snapshot.runs + 1,
      running: false,
      startedAt: outcome.startedAt.toISOString(),
      finishedAt,
      durationMs: outcome.finishedAt.getTime() - outcome.startedAt.getTime(),
      checks,
      errors: outcome.errors,
    }
  }
}

/** The outcome of a cancelled run: the checks of the tier it had not finished (left as not selected) failed. */
function unfinishedFailed(outcome: RunOutcome, tier: Tier | undefined, why: string): RunOutcome {
  return {
    ...outcome,
    results: outcome.results.map((result) =>
      result.status === 'skip' && result.skipReason === 'filtered' && (tier === undefined || result.tier === tier) ? failed(result, why) : result,
    ),
  }
}

function failed<T extends CheckResult>(result: T, why: string): T {
  const { skipReason: _, ...rest } = result
  return { ...rest, status: 'fail', cause: [why], message: why } as T
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
