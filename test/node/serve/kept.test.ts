// serve keeps its worker threads from one run to the next (decision 0019): the check files run
// again in the same thread, with the modules it loaded; PRODCHECK_KEEP_WORKERS=0 turns it off.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startServe } from '../../support/cli.ts'
import { until } from '../../support/poll.ts'
import { type Running, startHttp } from '../../support/servers.ts'

const PROJECT = resolve(import.meta.dirname, '../../fixtures/projects/kept')
const BATCH = resolve(import.meta.dirname, '../../fixtures/projects/kept-batch')

describe('prodcheck serve: worker threads', () => {
  let api: Running
  const dir = mkdtempSync(join(tmpdir(), 'prodcheck-kept-'))
  beforeAll(async () => {
    api = await startHttp((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'))
  })
  afterAll(async () => {
    await api?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** Per run of the check: its worker thread, and (HELD=1) the earlier runs' states still alive and the matchers added again. */
  async function runsOf(
    runs: number,
    env: Record<string, string>,
    interval = '100ms',
  ): Promise<Array<{ thread: string; alive: number; extended: number }>> {
    const file = join(dir, `threads-${Object.keys(env).join('-')}`)
    const serve = await startServe(PROJECT, ['--interval', interval, '--diagnostic-interval', '1h'], { API_URL: api.url, THREADS_FILE: file, ...env })
    try {
      const lines = async (): Promise<number> => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').length : 0)
      expect(await until(lines, (count) => count >= runs, 20_000)).toBeGreaterThanOrEqual(runs)
      // the check passed (its result, whatever its age: with threads started anew, a run takes
      // longer than three 100 ms intervals, and /health rightly calls such results stale)
      const document = JSON.parse(await (await fetch(`${serve.url}/diagnostics`)).text())
      expect(document.checks['api is up:responseTime'][0]).toMatchObject({ status: 'pass' })
    } finally {
      await serve.stop()
    }
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .slice(0, runs)
      .map((line) => {
        const [thread = '', alive, extended] = line.split(' ')
        return { thread, alive: Number(alive), extended: Number(extended) }
      })
  }

  test('are kept: every run of a check file in the same thread, which lets go of the runs before', async () => {
    const runs = await runsOf(30, { HELD: '1' }, '10ms')
    expect(new Set(runs.map((run) => run.thread)).size).toBe(1)
    // Vitest's worker keeps what each run registers (cancel and cleanup listeners, which hold the
    // run's state, ~12 KB), and chai keeps every expect.extend, as if the thread ended with the run
    const last = runs.at(-1)
    // (left alive: the first run's, which Vitest's error listener keeps, the current one and the
    // one before, 2 to 4 here; without the fix, all 30)
    expect(last?.alive, 'worker states of earlier runs still alive').toBeLessThanOrEqual(6)
    expect(last?.extended, 'matchers added to chai again').toBe(0)
  })

  test('are started anew at each run with PRODCHECK_KEEP_WORKERS=0', async () => {
    const runs = await runsOf(3, { PRODCHECK_KEEP_WORKERS: '0' })
    expect(new Set(runs.map((run) => run.thread)).size).toBe(3)
  })

  test('run the files of a run at the same time, and a file that does not load holds none back', async () => {
    const slow = await startHttp((_req, res) => {
      setTimeout(() => res.writeHead(200).end('ok'), 300)
    })
    const file = join(dir, 'times')
    const serve = await startServe(BATCH, ['--interval', '100ms', '--diagnostic-interval', '1h'], { API_URL: slow.url, TIMES_FILE: file })
    try {
      // the first run of a thread goes one file after another; the third is a run like any other
      const times = async (): Promise<string[]> => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [])
      const third = (lines: string[]): string[] => lines.filter((line) => line.split(' ')[1] === '3')
      const lines = third(await until(times, (all) => third(all).length >= 2, 20_000))
      expect(lines.map((line) => line.split(' ')[0]).sort()).toEqual(['a', 'b'])
      // in one thread, and at the same time: each check waits 300 ms on the API, so one after the
      // other, one would start as the other ended
      expect(new Set(lines.map((line) => line.split(' ')[2])).size).toBe(1)
      const [a, b] = lines.map((line) => line.split(' ').slice(3).map(Number)) as [number[], number[]]
      expect(Math.max(a[0] as number, b[0] as number), `a ran ${a.join('-')}, b ran ${b.join('-')}`).toBeLessThan(
        Math.min(a[1] as number, b[1] as number),
      )
      const document = JSON.parse(await (await fetch(`${serve.url}/diagnostics`)).text())
      expect(document.checks['a is up:responseTime'][0]).toMatchObject({ status: 'pass' })
      expect(document.checks['b is up:responseTime'][0]).toMatchObject({ status: 'pass' })
      expect(JSON.stringify(document.notes)).toContain('broken.test.ts does not load')
    } finally {
      await serve.stop()
      await slow.close()
    }
  })
})
