/**
 * Runs the real Vitest CLI on a fixture project, as a user would, and reads back its
 * JSON report.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const OWN_VITEST = resolve(import.meta.dirname, '../../node_modules/vitest/vitest.mjs')

/** The project's own Vitest when it has one installed (a consumer project), else this repository's. */
function vitestOf(cwd: string): string {
  const own = join(cwd, 'node_modules/vitest/vitest.mjs')
  return existsSync(own) ? own : OWN_VITEST
}

export interface JsonReport {
  numPassedTests: number
  numFailedTests: number
  numPendingTests: number
  testResults: Array<{
    name: string
    assertionResults: Array<{ title: string; status: string; failureMessages: string[]; meta?: Record<string, unknown> }>
  }>
}

export interface VitestRun {
  code: number | null
  output: string
  ms: number
  report?: JsonReport
}

/** How to run Vitest. */
export interface RunOptions {
  env?: Record<string, string>
  /** Kill the run after this long. Default 60 s. */
  timeoutMs?: number
  /** Let the project's config choose the reporters (it writes Vitest's JSON report to `$JSON_REPORT`). */
  configReporters?: boolean
  /** Run on another Node, from the npm registry (e.g. `node@22`), through npx. */
  node?: string
}

/**
 * `vitest run <args>` in `cwd`, with a JSON report, killed after `timeoutMs`. The reporters
 * are given on the command line, unless `configReporters` is set.
 */
export async function runVitest(
  cwd: string,
  args: string[],
  { env = {}, timeoutMs = 60_000, configReporters = false, node }: RunOptions = {},
): Promise<VitestRun> {
  const dir = mkdtempSync(join(tmpdir(), 'prodcheck-run-'))
  const reportFile = join(dir, 'report.json')
  const started = performance.now()
  const reporters = configReporters ? [] : ['--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`]
  const command = node ? (['npx', ['-y', node]] as const) : ([process.execPath, []] as const)
  const child = spawn(command[0], [...command[1], vitestOf(cwd), 'run', ...args, ...reporters], {
    cwd,
    env: { ...process.env, ...env, JSON_REPORT: reportFile, FORCE_COLOR: '0', NO_COLOR: '1', CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const code = await new Promise<number | null>((done) => child.on('close', done))
  clearTimeout(timer)
  const ms = performance.now() - started
  let report: JsonReport | undefined
  try {
    report = JSON.parse(readFileSync(reportFile, 'utf8')) as JsonReport
  } catch {
    // no report: the run failed before reporting
  }
  rmSync(dir, { recursive: true, force: true })
  return { code, output, ms, report }
}

/** `status` of every test in a report, keyed by test title. */
export function statuses(report: JsonReport | undefined): Record<string, string> {
  return Object.fromEntries((report?.testResults ?? []).flatMap((file) => file.assertionResults.map((a) => [a.title, a.status])))
}
