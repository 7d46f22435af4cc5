// Scale: 1000 checks at once leave no socket, timer or process behind; 1000 checks in one
// `prodcheck run` finish, report, and the process exits promptly.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { probeDatabase } from '../../src/probes/database.ts'
import { probeHttp } from '../../src/probes/http.ts'
import { probeTcp } from '../../src/probes/tcp.ts'
import { prodcheck } from '../support/cli.ts'
import { watchHandles } from '../support/handles.ts'
import { type Running, startHttp } from '../support/servers.ts'
import { record, writeRows } from './record.ts'

let api: Running
beforeAll(async () => {
  api = await startHttp((_, res) => setTimeout(() => res.end('ok'), 50))
})
afterAll(async () => {
  await api?.close()
  writeRows(import.meta.filename)
})

describe('1000 checks', () => {
  test('at once, in one process: all pass, and nothing stays open', async () => {
    const handles = watchHandles()
    const started = performance.now()
    const results = await Promise.all([
      ...Array.from({ length: 700 }, () => probeHttp(api.url, { timeoutMs: 20_000 })),
      ...Array.from({ length: 200 }, () => probeTcp('127.0.0.1:6379', { timeoutMs: 20_000 })),
      ...Array.from({ length: 60 }, () => probeDatabase('redis://127.0.0.1:6379', { timeoutMs: 20_000 })),
      ...Array.from({ length: 40 }, () => probeDatabase('postgres://postgres@127.0.0.1:5432/test', { timeoutMs: 20_000 })),
    ])
    const ms = performance.now() - started
    expect(results.filter((r) => !r.ok).map((r) => r.summary)).toEqual([])
    expect(await handles.leaked(1000)).toEqual([])
    expect(process.getActiveResourcesInfo().filter((type) => type === 'ProcessWrap')).toEqual([])
    record({
      category: 'scale',
      case: '1000 concurrent probes (700 HTTP, 200 TCP, 60 Redis, 40 PostgreSQL)',
      check: 'probes',
      outcome: 'all pass; no socket, timer or process left',
      ms,
      limitMs: 0,
    })
  }, 60_000)

  test('in one `prodcheck run` of 10 files: all pass, the report comes, the process exits at once', async () => {
    const scratch = resolve(import.meta.dirname, '../.scratch')
    mkdirSync(scratch, { recursive: true })
    const dir = mkdtempSync(join(scratch, 'scale-'))
    try {
      mkdirSync(join(dir, 'prod-tests'))
      writeFileSync(
        join(dir, 'vitest.config.ts'),
        `import { defineConfig } from 'vitest/config'\nimport { defineProdProject } from '../../../src/node/config.ts'\nexport default defineConfig({ test: { projects: [defineProdProject()] } })\n`,
      )
      for (let f = 0; f < 10; f++) {
        writeFileSync(
          join(dir, 'prod-tests', `checks-${f}.test.ts`),
          `import { expect, test } from 'vitest'\nfor (let i = 0; i < 100; i++) test(\`check ${f}.\${i}\`, async () => { await expect(process.env.API_URL).toRespondHttp() })\n`,
        )
      }
      const run = await prodcheck(dir, ['run', '--format', 'json'], { API_URL: api.url }, 120_000)
      expect(run.code, run.stderr).toBe(0)
      const document = JSON.parse(run.stdout)
      expect(document.status).toBe('pass')
      expect(Object.keys(document.checks)).toHaveLength(1000)
      expect(run.ms).toBeLessThan(60_000)
      record({
        category: 'scale',
        case: '1000 checks in 10 files, one `prodcheck run`',
        check: 'toRespondHttp',
        outcome: 'all pass; report written; the process exited by itself',
        ms: run.ms,
        limitMs: 0,
      })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)
})
