// A run that does not end turns /health red: a smoke check that blocks its worker's event loop
// (no deadline of its own can fire) makes the run outlive its deadline; serve cancels it,
// replaces the Vitest that would not stop, records the checks as failed, and /health answers
// 503 until a run completes again. Results that no run renews turn stale on their own.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type ServeProcess, startServe } from '../../support/cli.ts'
import { until } from '../../support/poll.ts'
import { type Running, startHttp } from '../../support/servers.ts'

const PROJECT = resolve(import.meta.dirname, '../../fixtures/projects/hung')

async function health(serve: ServeProcess): Promise<{ status: number; body: { status: string; output?: string; notes: string[] } }> {
  const response = await fetch(`${serve.url}/health`)
  return { status: response.status, body: await response.json() }
}

describe('prodcheck serve: a run that hangs', () => {
  let api: Running
  let serve: ServeProcess
  const dir = mkdtempSync(join(tmpdir(), 'prodcheck-hung-'))
  const hangFile = join(dir, 'hang')
  beforeAll(async () => {
    api = await startHttp((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'))
    serve = await startServe(PROJECT, ['--interval', '1s', '--diagnostic-interval', '1s'], { API_URL: api.url, HANG_FILE: hangFile })
  })
  afterAll(async () => {
    await serve?.stop()
    await api?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('turns /health to 503 while it hangs, with why; the next run on a fresh Vitest turns it back', async () => {
    await serve.firstRuns()
    expect((await health(serve)).status).toBe(200)

    writeFileSync(hangFile, '')
    const started = Date.now()
    // stale first (no smoke run completes for 3 intervals), then the run is cancelled and its checks fail
    const red = await until(
      () => health(serve),
      (h) => h.status === 503,
      10_000,
    )
    expect(red.status).toBe(503)
    expect(red.body.status).toBe('fail')
    expect(Date.now() - started).toBeLessThan(10_000)
    await serve.waitFor(/the smoke run did not stop once cancelled \(a check blocks its worker\): starting a fresh Vitest/, 20_000)
    const failed = await until(
      () => health(serve),
      (h) => JSON.stringify(h.body).includes('did not finish within'),
      10_000,
    )
    expect(failed.status).toBe(503)
    expect(JSON.stringify(failed.body)).toMatch(/did not finish within [\d.]+ (ms|s): the smoke run was cancelled/)

    rmSync(hangFile)
    const green = await until(
      () => health(serve),
      (h) => h.status === 200,
      20_000,
    )
    expect(green.status).toBe(200)
  })
})
