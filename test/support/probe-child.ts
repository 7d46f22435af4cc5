/**
 * Runs one probe of the built package (dist/) in a child process of its own, as a sidecar
 * runs it: what it answers, how long it took, how much memory the process reached, and how
 * long the process lived after the verdict without being told to exit (a socket or a timer
 * left behind keeps it alive).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'

const ENTRY = resolve(import.meta.dirname, '../../dist/src/index.js')

export interface ChildVerdict {
  ok: boolean
  code?: string
  message?: string
  /** Time from the call to the verdict. */
  ms: number
  /** Growth of the resident set from just before the call to its peak, in MiB. */
  rssGrowthMb: number
  /** Time from the verdict to the exit of the process, which nothing asks to exit. */
  exitAfterMs: number
}

/**
 * Calls `probe(target, options)` (a probe of the package, by name) in a child process.
 * Drivers are loaded before the measure starts.
 */
export async function probeInChild(probe: string, target: string, options: object, timeoutMs = 30_000): Promise<ChildVerdict> {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build\` (npm test does it first)`)
  const script = `
    const api = await import(${JSON.stringify(ENTRY)})
    for (const driver of ['pg', 'mysql2', 'ioredis', 'amqplib', 'mqtt', 'nats', 'undici', 'nodemailer/lib/smtp-connection.js', '@grpc/grpc-js']) await import(driver).catch(() => {})
    globalThis.gc?.()
    const before = process.memoryUsage().rss
    const started = performance.now()
    const result = await api[${JSON.stringify(probe)}](${JSON.stringify(target)}, ${JSON.stringify(options)})
    const ms = performance.now() - started
    const peak = process.resourceUsage().maxRSS * 1024
    process.stdout.write(JSON.stringify({ ok: result.ok, code: result.error?.code, message: result.error?.message ?? result.failures.join('; '), ms, rssGrowthMb: (peak - before) / 1048576, at: Date.now() }) + '\\n')
  `
  const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
    cwd: resolve(import.meta.dirname, '../..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  await new Promise((done) => child.on('close', done))
  const exitedAt = Date.now()
  clearTimeout(timer)
  const line = stdout.trim().split('\n').at(-1) ?? ''
  let parsed: Omit<ChildVerdict, 'exitAfterMs'> & { at: number }
  try {
    parsed = JSON.parse(line)
  } catch {
    throw new Error(`the child gave no verdict (killed after ${timeoutMs} ms?): ${stdout}${stderr}`)
  }
  const { at, ...verdict } = parsed
  return { ...verdict, exitAfterMs: exitedAt - at }
}
