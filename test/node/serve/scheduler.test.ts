import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import type { CheckResult } from '../../../src/node/results.ts'
import { Scheduler, type Snapshot } from '../../../src/node/serve/scheduler.ts'
import type { RunOutcome, Session } from '../../../src/node/session.ts'
import { aFailingRecord, aResult } from '../../support/results.ts'

const INTERVAL = 50

/** A run of the fake session, ended by the test. */
interface PendingRun {
  resolve: (outcome: RunOutcome) => void
  reject: (error: unknown) => void
}

/** A session whose runs end when the test says so; `cancel` does not end the run by itself. */
function fakeSession() {
  const runs: PendingRun[] = []
  const session = {
    runAll: vi.fn(() => new Promise<RunOutcome>((resolve, reject) => runs.push({ resolve, reject }))),
    rerun: vi.fn(async (): Promise<RunOutcome> => {
      throw new Error('serve never reruns')
    }),
    cancel: vi.fn(async () => {}),
    close: vi.fn(async () => {}),
    runDeadlineMs: vi.fn(() => 60_000),
  } satisfies Session
  /** Ends the run in progress with these results, started and finished at these times (ms since the epoch). */
  const finish = async (results: CheckResult[], startedMs: number, finishedMs: number): Promise<void> => {
    const run = runs.at(-1)
    if (!run) throw new Error('no run in progress')
    run.resolve({ startedAt: new Date(startedMs), finishedAt: new Date(finishedMs), results, errors: [] })
    await settle()
  }
  return { session, runs, finish }
}

/** Lets every pending promise callback run (real setImmediate: only the timers of the loop are fake). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

const pass = (name: string, id = `${name}-id`): CheckResult => aResult({ name, id })
const fail = (name: string, id = `${name}-id`): CheckResult => aResult({ name, id, checks: [aFailingRecord()] })
const iso = (ms: number): string => new Date(ms).toISOString()

describe('Scheduler', { timeout: 2_000 }, () => {
  let onRun: ReturnType<typeof vi.fn<(snapshot: Snapshot) => void>>
  let onError: ReturnType<typeof vi.fn<(error: unknown) => void>>

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    onRun = vi.fn<(snapshot: Snapshot) => void>()
    onError = vi.fn<(error: unknown) => void>()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  test('the first run starts at once; single flight; the next run starts `intervalMs` after the last one ends', async () => {
    const { session, finish } = fakeSession()
    const scheduler = new Scheduler(session, INTERVAL, onRun, onError)
    expect(session.runAll).not.toHaveBeenCalled()
    scheduler.start()
    vi.advanceTimersByTime(0)
    expect(session.runAll).toHaveBeenCalledTimes(1)

    // a run longer than many intervals: no second run starts while it runs
    vi.advanceTimersByTime(INTERVAL * 10)
    await settle()
    expect(session.runAll).toHaveBeenCalledTimes(1)

    await finish([pass('api')], 0, 500)
    vi.advanceTimersByTime(INTERVAL - 1)
    expect(session.runAll).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(1)
    expect(session.runAll).toHaveBeenCalledTimes(2)

    // a short run: the wait still counts from its end, not from its start
    vi.advanceTimersByTime(INTERVAL - 10)
    await finish([pass('api')], 600, 640)
    vi.advanceTimersByTime(INTERVAL - 1)
    expect(session.runAll).toHaveBeenCalledTimes(2)
    vi.advanceTimersByTime(1)
    expect(session.runAll).toHaveBeenCalledTimes(3)
    const stopping = scheduler.stop()
    await finish([], 700, 710)
    await stopping
    expect(session.cancel).toHaveBeenCalledTimes(1)
  })

  test('`running` during a run; `runs` counts completed runs; the last results are served while the next run runs', async () => {
    const { session, finish } = fakeSession()
    const scheduler = new Scheduler(session, INTERVAL, onRun, onError)
    expect(scheduler.snapshot).toEqual({ runs: 0, running: false, checks: [], errors: [] })
    scheduler.start()
    vi.advanceTimersByTime(0)
    expect(scheduler.snapshot).toEqual({ runs: 0, running: true, checks: [], errors: [] })

    await finish([pass('api')], 1_000, 1_250)
    expect(scheduler.snapshot).toMatchObject({
      runs: 1,
      running: false,
      startedAt: iso(1_000),
      finishedAt: iso(1_250),
      durationMs: 250,
      errors: [],
    })
    expect(scheduler.snapshot.checks.map((c) => c.name)).toEqual(['api'])
    expect(onRun).toHaveBeenCalledTimes(1)
    expect(onRun).toHaveBeenLastCalledWith(scheduler.snapshot)

    vi.advanceTimersByTime(INTERVAL)
    expect(scheduler.snapshot).toMatchObject({ runs: 1, running: true, finishedAt: iso(1_250) })
    expect(scheduler.snapshot.checks.map((c) => c.name)).toEqual(['api'])

    await finish([pass('api'), pass('db')], 2_000, 2_100)
    expect(scheduler.snapshot).toMatchObject({ runs: 2, running: false, durationMs: 100 })
    expect(scheduler.snapshot.checks.map((c) => c.name)).toEqual(['api', 'db'])
    expect(onRun).toHaveBeenCalledTimes(2)
    await scheduler.stop()
  })

  test('the errors of a run outside any check are kept with it', async () => {
    const { session, runs } = fakeSession()
    const scheduler = new Scheduler(session, INTERVAL, onRun, onError)
    scheduler.start()
    vi.advanceTimersByTime(0)
    runs[0]?.resolve({ startedAt: new Date(0), finishedAt: new Date(10), results: [pass('api')], errors: ['prod-tests/db.test.ts: boom'] })
    await settle()
    expect(scheduler.snapshot.errors).toEqual(['prod-tests/db.test.ts: boom'])
    await scheduler.stop()
  })

  test('skipped results are left out of the snapshot', async () => {
    const { session, finish } = fakeSession()
    const scheduler = new Scheduler(session, INTERVAL, onRun, onError)
    scheduler.start()
    vi.advanceTimersByTime(0)
    await finish(
      [
        pass('api'),
        aResult({ name: 'left out', status: 'skip', skipReason: 'filtered', checks: [] }),
        aResult({ name: 'to write', status: 'skip', skipReason: 'todo', checks: [] }),
        fail('db'),
      ],
      0,
      10,
    )
    expect(scheduler.snapshot.checks.map((c) => [c.name, c.status])).toEqual([
      ['api', 'pass'],
      ['db', 'fail'],
    ])
    await scheduler.stop()
  })

  test('`lastChange`: kept while a check’s status stays, moved when it changes', async () => {
    const { session, finish } = fakeSession()
    const scheduler = new Scheduler(session, INTERVAL, onRun, onError)
    const changes = (): Array<[string, string]> => scheduler.snapshot.checks.map((c) => [c.name, c.lastChange])
    scheduler.start()
    vi.advanceTimersByTime(0)
    await finish([pass('api'), fail('db')], 0, 100)
    expect(changes()).toEqual([
      ['api', iso(100)],
      ['db', iso(100)],
    ])

    vi.advanceTimersByTime(INTERVAL)
    await finish([pass('api'), pass('db')], 150, 200)
    expect(changes()).toEqual([
      ['api', iso(100)],
      ['db', iso(200)],
    ])

    vi.advanceTimersByTime(INTERVAL)
    await finish([fail('api'), pass('db')], 250, 300)
    expect(changes()).toEqual([
      ['api', iso(300)],
      ['db', iso(200)],
    ])

    vi.advanceTimersByTime(INTERVAL)
    await finish([fail('api'), pass('db'), pass('new')], 350, 400)
    expect(changes()).toEqual([
      ['api', iso(300)],
      ['db', iso(200)],
      ['new', iso(400)],
    ])
    await scheduler.stop()
  })

  test('`lastChange` is keyed by the result’s id: two checks of the same name stay apart, a renamed check keeps its history', async () => {
    const { session, finish } = fakeSession()
    const scheduler = new Scheduler(session, INTERVAL, onRun, onError)
    const changes = (): Array<[string, string]> => scheduler.snapshot.checks.map((c) => [c.id, c.lastChange])
    scheduler.start()
    vi.advanceTimersByTime(0)
    await finish([pass('same', 'file-a#1'), fail('same', 'file-b#1'), pass('old name', 'file-c#1')], 0, 100)

    vi.advanceTimersByTime(INTERVAL)
    await finish([pass('same', 'file-a#1'), pass('same', 'file-b#1'), pass('new name', 'file-c#1')], 150, 200)
    expect(changes()).toEqual([
      ['file-a#1', iso(100)],
      ['file-b#1', iso(200)],
      ['file-c#1', iso(100)],
    ])
    await scheduler.stop()
  })

  test('a run that throws: onError, `running` false, the last results kept, and the loop goes on', async () => {
    const { session, runs, finish } = fakeSession()
    const scheduler = new Scheduler(session, INTERVAL, onRun, onError)
    scheduler.start()
    vi.advanceTimersByTime(0)
    await finish([pass('api')], 0, 100)

    vi.advanceTimersByTime(INTERVAL)
    const error = new Error('Vitest crashed')
    runs[1]?.reject(error)
    await settle()
    expect(onError).toHaveBeenCalledExactlyOnceWith(error)
    expect(scheduler.snapshot).toMatchObject({ runs: 1, running: false, finishedAt: iso(100) })
    expect(scheduler.snapshot.checks.map((c) => c.name)).toEqual(['api'])
    expect(onRun).toHaveBeenCalledTimes(1)

    // runAll throwing synchronously is caught too
    session.runAll.mockImplementationOnce(() => {
      throw new Error('sync throw')
    })
    vi.advanceTimersByTime(INTERVAL)
    await settle()
    expect(session.runAll).toHaveBeenCalledTimes(3)
    expect(onError).toHaveBeenCalledTimes(2)
    expect(onError).toHaveBeenLastCalledWith(new Error('sync throw'))
    expect(scheduler.snapshot.running).toBe(false)

    vi.advanceTimersByTime(INTERVAL - 1)
    expect(session.runAll).toHaveBeenCalledTimes(3)
    vi.advanceTimersByTime(1)
    expect(session.runAll).toHaveBeenCalledTimes(4)
    await finish([fail('api')], 500, 600)
    expect(scheduler.snapshot).toMatchObject({ runs: 2, running: false })
    expect(onRun).toHaveBeenCalledTimes(2)
    await scheduler.stop()
  })

  test('an error thrown by onRun goes to onError, and the loop goes on', async () => {
    const { session, finish } = fakeSession()
    onRun.mockImplementationOnce(() => {
      throw new Error('history write failed')
    })
    const scheduler = new Scheduler(session, INTERVAL, onRun, onError)
    scheduler.start()
    vi.advanceTimersByTime(0)
    await finish([pass('api')], 0, 100)
    expect(onError).toHaveBeenCalledExactlyOnceWith(new Error('history write failed'))
    expect(scheduler.snapshot).toMatchObject({ runs: 1, running: false })
    vi.advanceTimersByTime(INTERVAL)
    expect(session.runAll).toHaveBeenCalledTimes(2)
    await finish([pass('api')], 150, 200)
    expect(scheduler.snapshot).toMatchObject({ runs: 2, running: false })
    expect(onRun).toHaveBeenCalledTimes(2)
    expect(onError).toHaveBeenCalledTimes(1)
    await scheduler.stop()
  })

  test('stop() during a run cancels it, waits for it to end, publishes nothing of it, and no run starts after', async () => {
    const { session, finish } = fakeSession()
    const scheduler = new Scheduler(session, INTERVAL, onRun, onError)
    scheduler.start()
    vi.advanceTimersByTime(0)

    let stopped = false
    const stopping = scheduler.stop().then(() => {
      stopped = true
    })
    await settle()
    expect(session.cancel).toHaveBeenCalledTimes(1)
    expect(stopped).toBe(false)

    await finish([pass('api')], 0, 100)
    await stopping
    expect(stopped).toBe(true)
    expect(onRun).not.toHaveBeenCalled()
    expect(scheduler.snapshot.runs).toBe(0)

    vi.advanceTimersByTime(INTERVAL * 10)
    await settle()
    expect(session.runAll).toHaveBeenCalledTimes(1)
  })

  test('stop() when cancelling ends the run before the cancel returns (as Vitest’s does): it resolves, no error', async () => {
    const { session, finish } = fakeSession()
    session.cancel.mockImplementationOnce(() => finish([pass('api')], 0, 100))
    const scheduler = new Scheduler(session, INTERVAL, onRun, onError)
    scheduler.start()
    vi.advanceTimersByTime(0)
    await expect(scheduler.stop()).resolves.toBeUndefined()
    expect(onRun).not.toHaveBeenCalled()
  })

  test('stop() still waits for the run when cancel fails', async () => {
    const { session, finish } = fakeSession()
    session.cancel.mockRejectedValueOnce(new Error('cannot cancel'))
    const scheduler = new Scheduler(session, INTERVAL, onRun, onError)
    scheduler.start()
    vi.advanceTimersByTime(0)
    let stopped = false
    const stopping = scheduler.stop().then(() => {
      stopped = true
    })
    await settle()
    expect(session.cancel).toHaveBeenCalledTimes(1)
    expect(stopped).toBe(false)
    await finish([pass('api')], 0, 100)
    await stopping
    expect(stopped).toBe(true)
  })

  test('stop() between runs: nothing to cancel, and the next run never starts', async () => {
    const { session, finish } = fakeSession()
    const scheduler = new Scheduler(session, INTERVAL, onRun, onError)
    scheduler.start()
    vi.advanceTimersByTime(0)
    await finish([pass('api')], 0, 100)
    await scheduler.stop()
    expect(session.cancel).not.toHaveBeenCalled()
    vi.advanceTimersByTime(INTERVAL * 10)
    await settle()
    expect(session.runAll).toHaveBeenCalledTimes(1)
    expect(scheduler.snapshot).toMatchObject({ runs: 1, running: false })
  })

  test('stop() before the first run: no run at all, start() after it does nothing', async () => {
    const { session } = fakeSession()
    const scheduler = new Scheduler(session, INTERVAL, onRun, onError)
    scheduler.start()
    await scheduler.stop()
    vi.advanceTimersByTime(INTERVAL * 10)
    scheduler.start()
    vi.advanceTimersByTime(INTERVAL * 10)
    await settle()
    expect(session.runAll).not.toHaveBeenCalled()
    expect(session.cancel).not.toHaveBeenCalled()
  })

  describe('a run that outlives its deadline', () => {
    const DEADLINE = 1000
    const notReached = (name: string): CheckResult => aResult({ name, id: `${name}-id`, status: 'skip', skipReason: 'filtered', checks: [] })

    test('is cancelled; the checks of its tier it had not finished fail, saying so; the others keep their result', async () => {
      const { session, runs } = fakeSession()
      session.cancel.mockImplementation(async () => {
        runs.at(-1)?.resolve({ startedAt: new Date(0), finishedAt: new Date(100), results: [pass('api'), notReached('db')], errors: [] })
      })
      const scheduler = new Scheduler(session, INTERVAL, onRun, onError, { tier: 'smoke', deadlineMs: DEADLINE })
      scheduler.start()
      vi.advanceTimersByTime(0)
      vi.advanceTimersByTime(DEADLINE - 1)
      await settle()
      expect(session.cancel).not.toHaveBeenCalled()
      vi.advanceTimersByTime(1)
      await settle()
      await settle()
      expect(session.cancel).toHaveBeenCalledTimes(1)
      const checks = scheduler.snapshot.checks
      expect(checks.map((c) => [c.name, c.status])).toEqual([
        ['api', 'pass'],
        ['db', 'fail'],
      ])
      expect(checks[1]?.cause).toEqual(['did not finish within 1000 ms: the smoke run was cancelled'])
      await scheduler.stop()
    })

    test('that does not end once cancelled: its session is replaced, the checks of the tier fail, the next run is on the new one', async () => {
      const stuck = fakeSession()
      const fresh = fakeSession()
      stuck.runs.length = 0
      const reopen = vi.fn(async () => fresh.session)
      const scheduler = new Scheduler(stuck.session, INTERVAL, onRun, onError, { tier: 'diagnostic', deadlineMs: DEADLINE, graceMs: 500, reopen })
      scheduler.start()
      vi.advanceTimersByTime(0)
      await stuck.finish([pass('api')], 0, 10)
      vi.advanceTimersByTime(INTERVAL)
      // the second run never ends, cancelled or not
      vi.advanceTimersByTime(DEADLINE)
      await settle()
      expect(stuck.session.cancel).toHaveBeenCalledTimes(1)
      vi.advanceTimersByTime(500)
      await settle()
      await settle()
      expect(stuck.session.close).toHaveBeenCalledTimes(1)
      expect(reopen).toHaveBeenCalledTimes(1)
      await settle()
      expect(scheduler.snapshot.checks.map((c) => [c.name, c.status])).toEqual([['api', 'fail']])
      expect(scheduler.snapshot.checks[0]?.cause[0]).toMatch(
        /^did not finish within 1000 ms: the diagnostic run was cancelled; a check blocked its worker/,
      )
      vi.advanceTimersByTime(INTERVAL)
      expect(fresh.session.runAll).toHaveBeenCalledTimes(1)
      expect(scheduler.activeSession).toBe(fresh.session)
      await fresh.finish([pass('api')], 0, 10)
      expect(scheduler.snapshot.checks[0]?.status).toBe('pass')
      await scheduler.stop()
    })
  })

  test('runNow() runs at once between runs, and right after the run in progress during one', async () => {
    const { session, finish } = fakeSession()
    const scheduler = new Scheduler(session, INTERVAL, onRun, onError)
    scheduler.start()
    vi.advanceTimersByTime(0)
    scheduler.runNow()
    await finish([pass('api')], 0, 10)
    vi.advanceTimersByTime(0)
    expect(session.runAll).toHaveBeenCalledTimes(2)
    await finish([pass('api')], 20, 30)
    scheduler.runNow()
    vi.advanceTimersByTime(0)
    expect(session.runAll).toHaveBeenCalledTimes(3)
    await finish([pass('api')], 40, 50)
    await scheduler.stop()
  })
})
