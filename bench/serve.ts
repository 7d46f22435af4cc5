/**
 * Load on `prodcheck serve`: autocannon against /health and /metrics of a running server
 * (built CLI, installed build, one smoke and one diagnostic check every 60 s), with
 * requests/s and p99 latency, and the number of suite runs before and after the load: it
 * must not grow with the requests. Target: ≥ 10,000 requests/s on /health.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import autocannon from 'autocannon'
import { CLI, installBuild, startApi, writeServeProject } from './workspace.ts'

export interface ServeRow {
  route: string
  requestsPerSecond: number
  p99Ms: number
  errors: number
  non2xx: number
}

export interface ServeBench {
  rows: ServeRow[]
  runsBefore: number
  runsAfter: number
  requests: number
}

const DURATION_S = Number(process.env.BENCH_SERVE_SECONDS ?? 5)

export async function benchServe(): Promise<ServeBench> {
  installBuild()
  const dir = writeServeProject('serve')
  const { server: api, url: apiUrl } = await startApi()
  const serve = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--interval', '60s'], {
    cwd: dir,
    env: { ...process.env, API_URL: apiUrl },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  try {
    const url = await firstRun(serve)
    const runsBefore = await runs(url)
    const rows: ServeRow[] = []
    let requests = 0
    for (const route of ['/health', '/metrics']) {
      const result = await autocannon({ url: `${url}${route}`, connections: 50, pipelining: 1, duration: DURATION_S })
      requests += result.requests.total
      rows.push({ route, requestsPerSecond: result.requests.average, p99Ms: result.latency.p99, errors: result.errors, non2xx: result.non2xx })
    }
    return { rows, runsBefore, runsAfter: await runs(url), requests }
  } finally {
    serve.kill('SIGTERM')
    api.close()
  }
}

function firstRun(serve: ChildProcess): Promise<string> {
  let stderr = ''
  return new Promise((resolve, reject) => {
    serve.stderr?.on('data', (chunk) => {
      stderr += chunk
      const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1]
      if (url && /run 1: /.test(stderr)) resolve(url)
    })
    serve.once('exit', (code) => reject(new Error(`prodcheck serve exited with ${code}: ${stderr}`)))
  })
}

async function runs(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  return Number(/^prodcheck_runs_total (\d+)$/m.exec(text)?.[1] ?? Number.NaN)
}

export function serveTable(bench: ServeBench): string {
  const lines = ['| route | requests/s | p99 ms | errors | non-2xx |', '|---|---:|---:|---:|---:|']
  for (const row of bench.rows) lines.push(`| ${row.route} | ${Math.round(row.requestsPerSecond)} | ${row.p99Ms} | ${row.errors} | ${row.non2xx} |`)
  lines.push('', `Suite runs before the load: ${bench.runsBefore}; after ${bench.requests} requests: ${bench.runsAfter}.`)
  return lines.join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bench = await benchServe()
  console.log(serveTable(bench))
}
