/**
 * Runs the built `prodcheck` command (dist/, made by `npm run build`, which `npm test` runs
 * first) as a process, as users and supervisors run it.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'

export const CLI = resolve(import.meta.dirname, '../../dist/src/node/cli/main.js')

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
  ms: number
}

function ensureBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does it first)`)
}

/** Runs `prodcheck <args>` in `cwd` to its end (killed after `timeoutMs`). */
export async function prodcheck(cwd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliRun> {
  ensureBuilt()
  const started = performance.now()
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, ...env, NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const code = await new Promise<number | null>((done) => child.on('close', done))
  clearTimeout(timer)
  return { code, stdout, stderr, ms: performance.now() - started }
}

/** A long-running `prodcheck serve`, with its output so far and a way to wait for a line. */
export interface ServeProcess {
  child: ChildProcess
  url: string
  stderr(): string
  /** Resolves when stderr has a line matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>
  /** Resolves when both tiers (smoke, diagnostic) have completed their first run: every check has a result. */
  firstRuns(timeoutMs?: number): Promise<void>
  /** Sends SIGTERM and resolves with the exit code and the time it took. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>
}

/** Starts `prodcheck serve <args>` on a free port (unless args give one) and waits until it listens. */
export async function startServe(cwd: string, args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  ensureBuilt()
  const withPort = args.includes('--port') ? args : [...args, '--port', '0']
  const child = spawn(process.execPath, [CLI, 'serve', ...withPort], {
    cwd,
    env: { ...process.env, ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = []
  child.stderr?.on('data', (chunk) => {
    stderr += chunk
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(stderr)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve()
      }
    }
  })
  child.stdout?.resume()
  const exited = new Promise<number | null>((done) => child.on('close', done))
  const waitFor = (pattern: RegExp, timeoutMs = 30_000): Promise<void> =>
    pattern.test(stderr)
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`serve did not print ${pattern} within ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs)
          waiters.push({
            pattern,
            resolve: () => {
              clearTimeout(timer)
              resolve()
            },
          })
          exited.then((code) => reject(new Error(`serve exited with ${code} before printing ${pattern}; stderr:\n${stderr}`)))
        })
  await waitFor(/listening on http:\/\/\S+/)
  const url = /listening on (http:\/\/\S+)/.exec(stderr)?.[1] ?? ''
  return {
    child,
    url,
    stderr: () => stderr,
    waitFor,
    firstRuns: async (timeoutMs) => {
      await Promise.all([waitFor(/smoke run 1: /, timeoutMs), waitFor(/diagnostic run 1: /, timeoutMs)])
    },
    async stop(signal = 'SIGTERM') {
      const started = performance.now()
      child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      const code = await exited
      clearTimeout(timer)
      return { code, ms: performance.now() - started }
    },
  }
}
