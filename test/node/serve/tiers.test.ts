// serve over time, against a real process: each tier at its own interval, the history of every
// check in /diagnostics and across a restart with --state-file (a corrupt one set aside), and
// a smoke check turning to fail runs the diagnostic checks at once, shown as its diagnosis.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type ServeProcess, startServe } from '../../support/cli.ts'
import { until } from '../../support/poll.ts'
import { type Running, startHttp } from '../../support/servers.ts'

const BASIC = resolve(import.meta.dirname, '../../fixtures/projects/basic')

interface Observation {
  status: string
  tier: string
  history?: Array<{ time: string; status: string; latencyMs?: number }>
  uptime?: number
  flaps?: number
}

async function diagnostics(serve: ServeProcess): Promise<{ checks: Record<string, Observation[]>; diagnosis?: { failed: string[] } }> {
  return (await fetch(`${serve.url}/diagnostics`)).json()
}

let api: Running
let smokeUp = true
const dir = mkdtempSync(join(tmpdir(), 'prodcheck-tiers-'))
beforeAll(async () => {
  api = await startHttp((req, res) => {
    if (req.url === '/smoke' && !smokeUp) return res.writeHead(503).end('down')
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')
  })
})
afterAll(async () => {
  await api?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('prodcheck serve: tiers, history, diagnosis', () => {
  let serve: ServeProcess
  const stateFile = join(dir, 'state.json')
  beforeAll(async () => {
    serve = await startServe(
      BASIC,
      ['--interval', '1s', '--diagnostic-interval', '1h', '--history', '3', '--state-file', stateFile, 'prod-tests/api.test.ts'],
      { API_URL: api.url, SMOKE_URL: `${api.url}/smoke` },
    )
  })
  afterAll(async () => {
    await serve?.stop()
  })

  test('the smoke tier runs every --interval, the diagnostic one at its own; history of the last --history results, oldest first', async () => {
    await serve.firstRuns()
    await serve.waitFor(/smoke run 4: /, 20_000)
    expect(serve.stderr()).not.toMatch(/diagnostic run 2: /)
    const { checks } = await diagnostics(serve)
    const smoke = checks['api is up:responseTime']?.[0]
    expect(smoke?.history).toHaveLength(3)
    const times = smoke?.history?.map((entry) => entry.time) ?? []
    expect([...times].sort()).toEqual(times)
    expect(new Set(times).size).toBe(3)
    expect(smoke).toMatchObject({ uptime: 1, flaps: 0 })
    expect(checks['api answers JSON:responseTime']?.[0]?.history).toHaveLength(1)
    expect(existsSync(stateFile)).toBe(true)
  })

  test('a smoke check that turns to fail runs the diagnostic checks at once: the diagnosis of that failure', async () => {
    smokeUp = false
    await serve.waitFor(/smoke checks turned to fail \(the optional smoke check\): running the diagnostic checks now/, 20_000)
    await serve.waitFor(/diagnostic run 2: /, 20_000)
    const document = await until(
      () => diagnostics(serve),
      (d) => d.diagnosis !== undefined && 'finishedAt' in (d.diagnosis as object),
      10_000,
    )
    expect(document.diagnosis).toMatchObject({ failed: ['the optional smoke check'], at: expect.any(String), finishedAt: expect.any(String) })
    smokeUp = true
  })
})

describe('prodcheck serve: --state-file', () => {
  test('the history survives a restart; a corrupt file is reported and set aside, never a crash', async () => {
    const stateFile = join(dir, 'restart.json')
    const args = ['--interval', '1s', '--diagnostic-interval', '1h', '--history', '5', '--state-file', stateFile, 'prod-tests/api.test.ts']
    const env = { API_URL: api.url }
    let serve = await startServe(BASIC, args, env)
    await serve.firstRuns()
    await serve.waitFor(/smoke run 2: /, 20_000)
    await serve.stop()
    const before = (await readBack(stateFile, args, env)).length
    expect(before).toBeGreaterThanOrEqual(3)

    writeFileSync(stateFile, '{ not json')
    serve = await startServe(BASIC, args, env)
    try {
      await serve.firstRuns()
      expect(serve.stderr()).toMatch(/set aside as .*restart\.json\.corrupt-/)
      expect(readdirSync(dir).some((name) => name.startsWith('restart.json.corrupt-'))).toBe(true)
      const { checks } = await diagnostics(serve)
      expect(checks['api is up:responseTime']?.[0]?.history).toHaveLength(1)
    } finally {
      await serve.stop()
    }
  })
})

/** Starts serve again on the same state file, and reads the history of `api is up` after its first run. */
async function readBack(stateFile: string, args: string[], env: Record<string, string>): Promise<unknown[]> {
  const serve = await startServe(BASIC, args, env)
  try {
    await serve.firstRuns()
    const { checks } = await diagnostics(serve)
    expect(existsSync(stateFile)).toBe(true)
    return checks['api is up:responseTime']?.[0]?.history ?? []
  } finally {
    await serve.stop()
  }
}
