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

  /** The worker thread of each run of the check, over `runs` runs. */
  async function threadsOver(runs: number, env: Record<string, string>): Promise<string[]> {
    const file = join(dir, `threads-${Object.keys(env).length}`)
    const serve = await startServe(PROJECT, ['--interval', '100ms', '--diagnostic-interval', '1h'], { API_URL: api.url, THREADS_FILE: file, ...env })
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
    return readFileSync(file, 'utf8').trim().split('\n').slice(0, runs)
  }

  test('are kept: every run of a check file in the same thread', async () => {
    const threads = await threadsOver(5, {})
    expect(new Set(threads).size).toBe(1)
  })

  test('are started anew at each run with PRODCHECK_KEEP_WORKERS=0', async () => {
    const threads = await threadsOver(3, { PRODCHECK_KEEP_WORKERS: '0' })
    expect(new Set(threads).size).toBe(3)
  })
})
