import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { HistoryStore } from '../../../src/node/serve/history.ts'
import { createMetrics } from '../../../src/node/serve/metrics.ts'
import type { Snapshot } from '../../../src/node/serve/scheduler.ts'
import { createHealthServer, type HealthServer } from '../../../src/node/serve/server.ts'
import { aFailingRecord, aRecord, aResult } from '../../support/results.ts'

const at = (seconds: number): string => new Date(Date.parse('2026-03-01T12:00:00.000Z') + seconds * 1000).toISOString()

describe('/diagnostics with a history (in-process server)', () => {
  let health: HealthServer
  let url: string
  beforeAll(async () => {
    health = createHealthServer({ metrics: createMetrics(), intervalMs: 30_000 })
    await new Promise<void>((resolve) => health.server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(health.server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await new Promise((resolve) => health.server.close(resolve))
  })

  test("each check's observations carry its history, uptime, flaps and last failure; a check without history carries none", async () => {
    const history = new HistoryStore(3)
    const api = (seconds: number, failing: boolean) =>
      aResult({ name: 'api is up', time: at(seconds), checks: failing ? [aFailingRecord()] : [aRecord({ latencyMs: 10 + seconds })] })
    for (const [seconds, failing] of [
      [0, true],
      [30, true],
      [60, false],
      [90, false],
    ] as const)
      history.record([api(seconds, failing)])
    const fresh = aResult({ name: 'a new check', time: at(90) })
    const checks = history.annotate([api(90, false), fresh]).map((check) => ({ ...check, lastChange: at(60) }))
    const snapshot: Snapshot = { runs: 4, running: false, startedAt: at(89), finishedAt: at(91), durationMs: 2000, errors: [], checks }
    await health.refresh(snapshot)

    const document = await (await fetch(`${url}/diagnostics`)).json()
    expect(document.checks['api is up:responseTime']).toEqual([
      expect.objectContaining({
        status: 'pass',
        since: at(60),
        history: [
          { time: at(30), status: 'fail', latencyMs: 12 },
          { time: at(60), status: 'pass', latencyMs: 70 },
          { time: at(90), status: 'pass', latencyMs: 100 },
        ],
        uptime: 0.6666,
        flaps: 1,
        lastFailure: {
          time: at(30),
          cause: [
            'toRespondHttp http://api.internal/health: status 503, expected 2xx',
            'toRespondHttp http://api.internal/health: JSON status is "down", expected "ok"',
          ],
        },
      }),
    ])
    const [observation] = document.checks['a new check:responseTime']
    expect(observation).toMatchObject({ status: 'pass', since: at(60) })
    for (const field of ['history', 'uptime', 'flaps', 'lastFailure']) expect(observation).not.toHaveProperty(field)
    // /health stays small: the status of the smoke checks, no history
    expect(await (await fetch(`${url}/health`)).text()).not.toContain('"history"')
  })
})
