/**
 * The run loop of `prodcheck serve`: runs the suite, waits `interval` after each run ends,
 * runs it again. Single flight by construction (the next run is scheduled when the last one
 * ends); requests never start a run, they read the last snapshot.
 *
 * @module
 */
import type { RunOutcome, Session } from '../session.ts'
import type { CheckResult, CheckStatus } from '../results.ts'

/** A check in the cache, with the time its status last changed. */
export interface CachedCheck extends CheckResult {
  lastChange: string
}

/** What the endpoints serve. */
export interface Snapshot {
  /** Completed runs so far. */
  runs: number
  running: boolean
  startedAt?: string
  finishedAt?: string
  durationMs?: number
  checks: CachedCheck[]
  /** Errors of the last run outside any check. */
  errors: string[]
}

/** Runs the session every `intervalMs`, keeping the last results. */
export class Scheduler {
  snapshot: Snapshot = { runs: 0, running: false, checks: [], errors: [] }
  private timer?: NodeJS.Timeout
  private current?: Promise<void>
  private stopped = false
  private readonly since = new Map<string, { status: CheckStatus; at: string }>()

  constructor(
    private readonly session: Session,
    private readonly intervalMs: number,
    private readonly onRun: (snapshot: Snapshot) => void | Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Starts the loop with a first run now. */
  start(): void {
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

  private schedule(delayMs: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.current = this.runOnce().finally(() => {
        this.current = undefined
        this.schedule(this.intervalMs)
      })
    }, delayMs)
  }

  private async runOnce(): Promise<void> {
    this.snapshot = { ...this.snapshot, running: true }
    try {
      const outcome = await this.session.runAll()
      if (this.stopped) return
      this.snapshot = this.toSnapshot(outcome)
      await this.onRun(this.snapshot)
    } catch (error) {
      this.snapshot = { ...this.snapshot, running: false }
      this.onError(error)
    }
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
