/**
 * Cold start: `vitest run --project prod` with one check against a local endpoint, versus
 * `vitest run` of one trivial test in the same workspace, each as a whole process, runs
 * interleaved (median of N). Target: ≤ 1.3×.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { installBuild, ROOT, WORK } from './workspace.ts'

const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 7)
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs')

export interface ColdStart {
  checkMs: number
  trivialMs: number
  ratio: number
}

function project(name: string, config: string, file: string, body: string): string {
  const dir = join(WORK, name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, file.split('/')[0] ?? '.'), { recursive: true })
  writeFileSync(join(dir, 'vitest.config.ts'), config)
  writeFileSync(join(dir, file), body)
  return dir
}

function wall(dir: string, args: string[], env: Record<string, string>): number {
  const started = performance.now()
  const run = spawnSync(process.execPath, [VITEST, 'run', ...args], { cwd: dir, env: { ...process.env, ...env }, stdio: 'ignore' })
  if (run.status !== 0) throw new Error(`vitest failed in ${dir}`)
  return performance.now() - started
}

/** Runs both, interleaved, and returns the medians. */
export async function benchColdStart(): Promise<ColdStart> {
  installBuild()
  const endpoint = await startEndpoint()
  const check = project(
    'cold-check',
    "import { defineConfig } from 'vitest/config'\nimport { defineProdProject } from 'prodcheck/config'\nexport default defineConfig({ test: { projects: [defineProdProject()] } })\n",
    'prod-tests/api.test.ts',
    "import { expect, test } from 'vitest'\ntest('api is up', async () => { await expect(process.env.API_URL).toRespondHttp() })\n",
  )
  const trivial = project(
    'cold-trivial',
    'export default {}\n',
    'test/trivial.test.ts',
    "import { expect, test } from 'vitest'\ntest('trivial', () => { expect(1).toBe(1) })\n",
  )
  try {
    const env = { API_URL: endpoint.url }
    wall(check, ['--project', 'prod'], env)
    wall(trivial, [], {})
    const checks: number[] = []
    const trivials: number[] = []
    for (let i = 0; i < RUNS; i++) {
      checks.push(wall(check, ['--project', 'prod'], env))
      trivials.push(wall(trivial, [], {}))
    }
    const checkMs = median(checks)
    const trivialMs = median(trivials)
    return { checkMs, trivialMs, ratio: checkMs / trivialMs }
  } finally {
    endpoint.stop()
  }
}

/** The endpoint runs in a process of its own: this one blocks in spawnSync while Vitest runs. */
async function startEndpoint(): Promise<{ url: string; stop(): void }> {
  const child = spawn(
    process.execPath,
    ['-e', "require('http').createServer((q,r)=>r.end('ok')).listen(0,'127.0.0.1',function(){console.log(this.address().port)})"],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  )
  const port = await new Promise<string>((resolve) => child.stdout.once('data', (chunk) => resolve(String(chunk).trim())))
  return { url: `http://127.0.0.1:${port}/`, stop: () => child.kill() }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchColdStart()
  console.log(
    `one check ${Math.round(result.checkMs)} ms, one trivial test ${Math.round(result.trivialMs)} ms: ${result.ratio.toFixed(2)}× (target ≤ 1.3×)`,
  )
}
