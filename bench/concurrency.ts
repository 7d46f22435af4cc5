/**
 * Concurrency benchmark: N checks of a local HTTP endpoint that answers after 100 ms,
 * N = 1, 10, 50, 200, in one file and spread over ten files, each run as a whole
 * `vitest run --project prod` process. Prints, for each case, the wall time of the process
 * ÷ the wall time of the N = 1 run (target for N = 200 over 10 files: ≤ 1.5×, goal 1.2×),
 * and the test time inside Vitest ÷ the ideal 100 ms × ⌈N / maxConcurrency⌉.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { installBuild, WORK } from './workspace.ts'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..')
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs')
const DELAY_MS = 100
const MAX_CONCURRENCY = 100
const RUNS = Number(process.env.BENCH_RUNS ?? 3)

export interface ConcurrencyRow {
  /** `checks`, or `sleeps`: tests that only wait 100 ms, Vitest's own cost for the same layout. */
  kind: 'checks' | 'sleeps'
  checks: number
  files: number
  wallMs: number
  wallRatio: number
  testMs: number
  idealMs: number
  testRatio: number
}

function project(name: string, checks: number, files: number, body = 'await expect(process.env.SLOW_URL).toRespondHttp({ status: 200 })'): string {
  const dir = join(WORK, name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'prod-tests'), { recursive: true })
  writeFileSync(
    join(dir, 'vitest.config.ts'),
    `import { defineConfig } from 'vitest/config'\nimport { defineProdProject } from 'prodcheck/config'\nexport default defineConfig({ test: { projects: [defineProdProject({ maxConcurrency: ${MAX_CONCURRENCY} })] } })\n`,
  )
  for (let f = 0; f < files; f++) {
    const count = Math.floor(checks / files) + (f < checks % files ? 1 : 0)
    writeFileSync(
      join(dir, 'prod-tests', `checks-${f}.test.ts`),
      `import { expect, test } from 'vitest'\nfor (let i = 0; i < ${count}; i++) {\n  test(\`check \${i}\`, async () => {\n    ${body}\n  })\n}\n`,
    )
  }
  return dir
}

function runOnce(dir: string, url: string): Promise<{ wallMs: number; testMs: number }> {
  const report = join(dir, 'report.json')
  const started = performance.now()
  const child = spawn(process.execPath, [VITEST, 'run', '--project', 'prod', '--reporter=json', `--outputFile=${report}`], {
    cwd: dir,
    env: { ...process.env, SLOW_URL: url, CI: '1' },
    stdio: 'ignore',
  })
  return new Promise((done, fail) =>
    child.on('close', (code) => {
      const wallMs = performance.now() - started
      if (code !== 0) return fail(new Error(`vitest exited ${code} in ${dir}`))
      const results = JSON.parse(readFileSync(report, 'utf8')) as { testResults: Array<{ startTime: number; endTime: number }> }
      const testMs = Math.max(...results.testResults.map((r) => r.endTime)) - Math.min(...results.testResults.map((r) => r.startTime))
      done({ wallMs, testMs })
    }),
  )
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

/** Runs every case and returns one row per case. */
export async function benchConcurrency(): Promise<ConcurrencyRow[]> {
  installBuild()
  const server = createServer((_, response) => setTimeout(() => response.end('ok'), DELAY_MS))
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  const cases = [
    [1, 1],
    [10, 1],
    [50, 1],
    [200, 1],
    [10, 10],
    [50, 10],
    [200, 10],
  ] as const
  const measured: Array<{ kind: ConcurrencyRow['kind']; checks: number; files: number; wallMs: number; testMs: number }> = []
  const layouts = [...cases.map(([checks, files]) => ['checks', checks, files] as const), ['sleeps', 200, 10] as const]
  try {
    for (const [kind, checks, files] of layouts) {
      const dir = project(
        `${kind}-n${checks}-f${files}`,
        checks,
        files,
        kind === 'sleeps' ? `await new Promise((resolve) => setTimeout(resolve, ${DELAY_MS}))` : undefined,
      )
      await runOnce(dir, url) // warm the OS caches: a rerun in CI or under `serve` has them
      const runs = []
      for (let i = 0; i < RUNS; i++) runs.push(await runOnce(dir, url))
      measured.push({ kind, checks, files, wallMs: median(runs.map((r) => r.wallMs)), testMs: median(runs.map((r) => r.testMs)) })
    }
  } finally {
    server.closeAllConnections()
    server.close()
  }
  const base = measured[0]?.wallMs ?? 1
  return measured.map((m) => {
    const idealMs = DELAY_MS * Math.ceil(m.checks / MAX_CONCURRENCY)
    return { ...m, wallRatio: m.wallMs / base, idealMs, testRatio: m.testMs / idealMs }
  })
}

/** The rows as a Markdown table. */
export function concurrencyTable(rows: readonly ConcurrencyRow[]): string {
  const lines = ['| tests | files | wall ms | wall ÷ N=1 | test ms (in Vitest) | ideal ms | test ÷ ideal |', '|---:|---:|---:|---:|---:|---:|---:|']
  for (const r of rows) {
    const tests = r.kind === 'sleeps' ? `${r.checks} sleeps (Vitest alone)` : String(r.checks)
    lines.push(
      `| ${tests} | ${r.files} | ${Math.round(r.wallMs)} | ${r.wallRatio.toFixed(2)}× | ${Math.round(r.testMs)} | ${r.idealMs} | ${r.testRatio.toFixed(2)}× |`,
    )
  }
  return lines.join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchConcurrency()
  console.log(concurrencyTable(rows))
  const target = rows.find((r) => r.kind === 'checks' && r.checks === 200 && r.files === 10)
  console.log(`\nN = 200 over 10 files: ${target?.wallRatio.toFixed(2)}× the N = 1 run (target ≤ 1.5×, goal 1.2×)`)
}
