/**
 * `npm run bench:cost`: what a check costs, side by side with Prometheus' blackbox_exporter
 * doing the same work on this machine (issue 16). 200 HTTP checks of a local endpoint that
 * answers after 100 ms, and 200 TCP connects:
 *
 * - blackbox_exporter (Debian `prometheus-blackbox-exporter`, installed when missing and this
 *   is root), 200 concurrent `/probe` requests, its CPU from /proc;
 * - `prodcheck serve`, per run (every 1 s, the diagnostic tier out of the way), with kept
 *   worker threads (the default) and without (`PRODCHECK_KEEP_WORKERS=0`, the first design);
 * - `prodcheck run`, a whole process.
 *
 * CPU is read from /proc/<pid>/stat (every thread of the process), RSS from /proc/<pid>/status.
 * Ratios, measured in one run: the machine is shared and noisy.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { type AddressInfo, createServer as createTcpServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent } from 'undici'
import { CLI, emptyProject, installBuild } from './workspace.ts'

const BLACKBOX = '/usr/bin/prometheus-blackbox-exporter'
const CHECKS = 200
const ROUNDS = Number(process.env.BENCH_COST_ROUNDS ?? 5)
const SERVE_RUNS = Number(process.env.BENCH_COST_RUNS ?? 8)
const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || 100)

export interface CostRow {
  what: string
  /** CPU per check, ms. */
  cpuPerCheckMs: number
  /** CPU of a run (or of the 200 probes), ms. */
  cpuMs: number
  wallMs: number
  rssMb: number
  peakRssMb?: number
}

export interface CostBench {
  http: CostRow[]
  tcp: CostRow[]
  /** CPU of a serve run of one check, with kept threads and without. */
  fixed: { kept: number; fresh: number }
  run: { oneMs: number; spreadMs: number; manyMs: number }
}

/** CPU (all threads) and memory of a process, from /proc. */
function usage(pid: number): { cpuMs: number; rssMb: number; peakRssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const cpuMs = (Number(fields[11]) + Number(fields[12])) * TICK_MS
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0)
  return { cpuMs, rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

async function freePort(): Promise<number> {
  const server = createTcpServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** The peer: HTTP answering after 100 ms, and a TCP port that accepts. */
export async function startPeers(): Promise<{ http: Server; url: string; tcp: ReturnType<typeof createTcpServer>; tcpTarget: string }> {
  const http = createServer((_, response) => {
    setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'), 100)
  })
  http.keepAliveTimeout = 1
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const tcp = createTcpServer((socket) => {
    socket.on('error', () => {})
    socket.resume()
  })
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
  return {
    http,
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    tcp,
    tcpTarget: `127.0.0.1:${(tcp.address() as AddressInfo).port}`,
  }
}

function ensureBlackbox(): boolean {
  if (existsSync(BLACKBOX)) return true
  if (process.getuid?.() !== 0) return false
  try {
    execFileSync('apt-get', ['install', '-y', '-qq', 'prometheus-blackbox-exporter'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
  } catch {
    return false
  }
  return existsSync(BLACKBOX)
}

async function waitFor(url: string, timeoutMs = 15_000): Promise<void> {
  const started = Date.now()
  for (;;) {
    try {
      if ((await fetch(url)).ok) return
    } catch {
      // not yet up
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${url} did not come up`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** blackbox_exporter probing `target` with `module`, 200 at once, ROUNDS times. */
async function benchBlackbox(module: 'http_2xx' | 'tcp_connect', target: string, exporter: { pid: number; url: string }): Promise<CostRow> {
  const agent = new Agent({ connections: CHECKS * 2 })
  const cpu: number[] = []
  const wall: number[] = []
  try {
    for (let round = 0; round <= ROUNDS; round++) {
      const before = usage(exporter.pid).cpuMs
      const started = performance.now()
      const bodies = await Promise.all(
        Array.from({ length: CHECKS }, async () => {
          const response = await fetch(`${exporter.url}/probe?module=${module}&target=${encodeURIComponent(target)}`, {
            dispatcher: agent,
          } as RequestInit)
          return response.text()
        }),
      )
      const took = performance.now() - started
      if (!bodies.every((body) => /^probe_success 1$/m.test(body))) throw new Error(`blackbox_exporter: a ${module} probe failed`)
      // the first round warms the exporter up
      if (round === 0) continue
      wall.push(took)
      cpu.push(usage(exporter.pid).cpuMs - before)
    }
  } finally {
    await agent.close()
  }
  const { rssMb, peakRssMb } = usage(exporter.pid)
  return { what: 'blackbox_exporter', cpuMs: median(cpu), cpuPerCheckMs: median(cpu) / CHECKS, wallMs: median(wall), rssMb, peakRssMb }
}

async function withBlackbox<T>(body: (exporter: { pid: number; url: string }) => Promise<T>): Promise<T | undefined> {
  if (!ensureBlackbox()) return undefined
  const dir = mkdtempSync(join(tmpdir(), 'prodcheck-blackbox-'))
  const config = join(dir, 'blackbox.yml')
  writeFileSync(
    config,
    [
      'modules:',
      '  http_2xx:',
      '    prober: http',
      '    timeout: 5s',
      '    http: { preferred_ip_protocol: ip4 }',
      '  tcp_connect:',
      '    prober: tcp',
      '    timeout: 5s',
      '    tcp: { preferred_ip_protocol: ip4 }',
      '',
    ].join('\n'),
  )
  const port = await freePort()
  const exporter = spawn(BLACKBOX, [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'], { stdio: 'ignore' })
  try {
    const url = `http://127.0.0.1:${port}`
    await waitFor(`${url}/metrics`)
    return await body({ pid: exporter.pid as number, url })
  } finally {
    exporter.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A project of `checks` smoke checks over `files` files, each `body`. */
export function project(name: string, checks: number, files: number, body: string): string {
  const dir = emptyProject(name)
  for (let file = 0; file < files; file++) {
    const count = Math.floor(checks / files) + (file < checks % files ? 1 : 0)
    const tests = Array.from({ length: count }, (_, i) => `test('check ${file}.${i}', { tags: ['smoke'] }, async () => { ${body} })`)
    writeFileSync(join(dir, `prod-tests/c${file}.test.ts`), `import { expect, test } from 'vitest'\n${tests.join('\n')}\n`)
  }
  return dir
}

/** `prodcheck serve` every second: CPU per run over SERVE_RUNS runs (after two to warm up), wall of a run, RSS. */
export async function benchServe(dir: string, env: Record<string, string>, keep: boolean): Promise<Omit<CostRow, 'what' | 'cpuPerCheckMs'>> {
  const serve: ChildProcess = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--interval', '1s', '--diagnostic-interval', '1h'], {
    cwd: dir,
    env: { ...process.env, ...env, PRODCHECK_KEEP_WORKERS: keep ? '1' : '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  const runs: Array<{ at: number; cpuMs: number; wallMs: number }> = []
  try {
    await new Promise<void>((resolve, reject) => {
      serve.stderr?.on('data', (chunk) => {
        stderr += chunk
        const done = [...stderr.matchAll(/smoke run \d+: .*\((\d+) ms\)/g)]
        while (runs.length < done.length)
          runs.push({ at: performance.now(), cpuMs: usage(serve.pid as number).cpuMs, wallMs: Number(done[runs.length]?.[1]) })
        if (runs.length >= SERVE_RUNS + 2) resolve()
      })
      serve.once('exit', (code) => reject(new Error(`prodcheck serve exited with ${code}: ${stderr.slice(-2000)}`)))
    })
    const measured = runs.slice(2)
    const cpuMs = ((measured.at(-1)?.cpuMs ?? 0) - (measured[0]?.cpuMs ?? 0)) / (measured.length - 1)
    const wallMs = median(measured.map((run) => run.wallMs))
    const { rssMb, peakRssMb } = usage(serve.pid as number)
    return { cpuMs, wallMs, rssMb, peakRssMb }
  } finally {
    serve.kill('SIGTERM')
    await new Promise((resolve) => serve.once('exit', resolve))
  }
}

/** One `prodcheck run`: its CPU (every thread) and wall time, read in the process itself. */
function runOnce(dir: string, env: Record<string, string>): Promise<{ cpuMs: number; wallMs: number }> {
  const script = `const started = performance.now(); process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write('\\nCOST ' + JSON.stringify({ cpuMs: (u.user + u.system) / 1000, wallMs: performance.now() - started }) + '\\n') }); process.argv = [process.argv[0], ${JSON.stringify(CLI)}, 'run', '--format', 'json']; await import(${JSON.stringify(CLI)})`
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.once('exit', () => {
      const line = /COST (\{.*\})/.exec(stderr)?.[1]
      if (line) resolve(JSON.parse(line))
      else reject(new Error(`prodcheck run gave no figures: ${stderr.slice(-2000)}`))
    })
  })
}

async function benchRun(dir: string, env: Record<string, string>): Promise<{ cpuMs: number; wallMs: number }> {
  const samples = []
  for (let i = 0; i < 3; i++) samples.push(await runOnce(dir, env))
  return { cpuMs: median(samples.map((s) => s.cpuMs)), wallMs: median(samples.map((s) => s.wallMs)) }
}

export async function benchCost(): Promise<CostBench & { blackbox: boolean }> {
  installBuild()
  const peers = await startPeers()
  const env = { SLOW_URL: peers.url, TCP_TARGET: peers.tcpTarget }
  const http = project('cost-http', CHECKS, 10, 'await expect(process.env.SLOW_URL).toRespondHttp({ status: 200 })')
  const tcp = project('cost-tcp', CHECKS, 10, 'await expect(process.env.TCP_TARGET).toAcceptTcp()')
  const one = project('cost-one', 1, 1, 'await expect(process.env.SLOW_URL).toRespondHttp({ status: 200 })')
  const many = project('cost-many', 2000, 20, 'await expect(process.env.SLOW_URL).toRespondHttp({ status: 200 })')
  try {
    const blackbox = await withBlackbox(async (exporter) => ({
      http: await benchBlackbox('http_2xx', peers.url, exporter),
      tcp: await benchBlackbox('tcp_connect', peers.tcpTarget, exporter),
    }))
    const fixedKept = await benchServe(one, env, true)
    const fixedFresh = await benchServe(one, env, false)
    const rows = async (dir: string): Promise<CostRow[]> => {
      const out: CostRow[] = []
      for (const keep of [true, false]) {
        const figures = await benchServe(dir, env, keep)
        const fixed = keep ? fixedKept.cpuMs : fixedFresh.cpuMs
        out.push({
          what: `prodcheck serve, per run${keep ? '' : ' (threads not kept)'}`,
          ...figures,
          cpuPerCheckMs: (figures.cpuMs - fixed) / (CHECKS - 1),
        })
      }
      const run = await benchRun(dir, env)
      out.push({ what: 'prodcheck run (whole process)', ...run, cpuPerCheckMs: run.cpuMs / CHECKS, rssMb: Number.NaN })
      return out
    }
    const httpRows = [...(blackbox ? [blackbox.http] : []), ...(await rows(http))]
    const tcpRows = [...(blackbox ? [blackbox.tcp] : []), ...(await rows(tcp))]
    const oneRun = await benchRun(one, env)
    const manyRun = await benchRun(many, env)
    const spread = httpRows.find((row) => row.what.startsWith('prodcheck run'))
    return {
      blackbox: blackbox !== undefined,
      http: httpRows,
      tcp: tcpRows,
      fixed: { kept: fixedKept.cpuMs, fresh: fixedFresh.cpuMs },
      run: { oneMs: oneRun.wallMs, spreadMs: spread?.wallMs ?? Number.NaN, manyMs: manyRun.wallMs },
    }
  } finally {
    peers.http.close()
    peers.tcp.close()
  }
}

function ratio(value: number, anchor: number | undefined): string {
  return anchor ? `${(value / anchor).toFixed(2)}×` : 'n/a'
}

/**
 * The tables and verdicts of a run.
 *
 * @example
 * console.log(costTable(await benchCost()).text)
 */
export function costTable(bench: CostBench): { text: string; verdicts: string[] } {
  const lines: string[] = []
  const verdicts: string[] = []
  for (const [kind, rows] of [
    ['HTTP', bench.http],
    ['TCP', bench.tcp],
  ] as const) {
    const anchor = rows.find((row) => row.what === 'blackbox_exporter')
    lines.push(
      `### ${CHECKS} ${kind} checks`,
      '',
      '| | CPU ms per check | × blackbox | CPU ms (all) | wall ms | RSS MiB |',
      '|---|---:|---:|---:|---:|---:|',
    )
    for (const row of rows)
      lines.push(
        `| ${row.what} | ${row.cpuPerCheckMs.toFixed(2)} | ${ratio(row.cpuPerCheckMs, anchor?.cpuPerCheckMs)} | ${Math.round(row.cpuMs)} | ${Math.round(row.wallMs)} | ${Number.isNaN(row.rssMb) ? '' : Math.round(row.rssMb)} |`,
      )
    lines.push('')
    const serve = rows.find((row) => row.what === 'prodcheck serve, per run')
    if (serve && anchor) {
      const times = serve.cpuPerCheckMs / anchor.cpuPerCheckMs
      verdicts.push(
        `- serve, CPU per ${kind} check ÷ blackbox_exporter's: ${times.toFixed(2)}× (target ≤ 2×, goal 1×): ${times <= 2 ? 'met' : 'MISSED'}`,
      )
    }
    if (serve && kind === 'HTTP') {
      verdicts.push(
        `- serve, wall of a run of ${CHECKS} checks of a 100 ms endpoint: ${Math.round(serve.wallMs)} ms (target ≤ 300 ms): ${serve.wallMs <= 300 ? 'met' : 'MISSED'}`,
      )
      verdicts.push(`- serve, RSS with ${CHECKS} checks: ${Math.round(serve.rssMb)} MiB (target ≤ 120 MiB): ${serve.rssMb <= 120 ? 'met' : 'MISSED'}`)
    }
  }
  lines.push(
    `Fixed CPU of a serve run (one check in one file): ${Math.round(bench.fixed.kept)} ms with kept threads, ${Math.round(bench.fixed.fresh)} ms without.`,
    '',
    `\`prodcheck run\`, wall: one check ${Math.round(bench.run.oneMs)} ms; ${CHECKS} checks over 10 files ${Math.round(bench.run.spreadMs)} ms (${(bench.run.spreadMs / bench.run.oneMs).toFixed(2)}×); 2,000 checks over 20 files ${Math.round(bench.run.manyMs)} ms (${(bench.run.manyMs / bench.run.oneMs).toFixed(2)}×).`,
  )
  verdicts.push(`- serve, fixed CPU of a run: ${Math.round(bench.fixed.kept)} ms (target ≤ 60 ms): ${bench.fixed.kept <= 60 ? 'met' : 'MISSED'}`)
  const spread = bench.run.spreadMs / bench.run.oneMs
  const many = bench.run.manyMs / bench.run.oneMs
  verdicts.push(
    `- run, ${CHECKS} checks over 10 files ÷ one check: ${spread.toFixed(2)}× (target ≤ 1.3×, goal 1.1×): ${spread <= 1.3 ? 'met' : 'MISSED'}`,
  )
  verdicts.push(`- run, 2,000 checks over 20 files ÷ one check: ${many.toFixed(2)}× (target ≤ 2×): ${many <= 2 ? 'met' : 'MISSED'}`)
  return { text: lines.join('\n'), verdicts }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bench = await benchCost()
  if (!bench.blackbox) console.log('blackbox_exporter is not installed (and this is not root): no side-by-side figures')
  const { text, verdicts } = costTable(bench)
  console.log(text)
  console.log(verdicts.join('\n'))
}
