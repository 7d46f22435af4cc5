/**
 * The hostile suite's bookkeeping: every case asserts that the check fails (not hangs)
 * within its limit, with a message naming the cause, and leaves no handle open; and it
 * records case → outcome → time. With RECORD_RELIABILITY=1 the rows are written to
 * test/.scratch/reliability/, from which `npm run reliability` makes docs/reliability.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { expect } from 'vitest'
import { watchHandles } from '../support/handles.ts'

export interface Row {
  category: string
  case: string
  check: string
  outcome: string
  ms: number
  limitMs: number
  /** Peak growth of the resident set of the probe's process, in MiB (memory cases). */
  rssMb?: number
  /** Time from the verdict to the exit of the probe's process, in ms (memory and handle cases). */
  exitMs?: number
}

/** Deadline of the checks of the hostile suite, and the limit a failure must come within. */
export const TIMEOUT_MS = 1000
export const LIMIT_MS = TIMEOUT_MS * 1.2

const rows: Row[] = []

/**
 * Loads every driver and every probe module, once per worker, before anything is timed: the
 * first check of a worker otherwise pays for loading (and, from the sources, transforming)
 * the modules it needs.
 */
export async function loadProbes(): Promise<void> {
  await Promise.all([
    ...['undici', 'pg', 'mysql2', 'ioredis', 'amqplib', 'mqtt', 'nats', 'nodemailer/lib/smtp-connection', '@grpc/grpc-js'].map(
      (driver) => import(driver),
    ),
    import('../../src/probes/http.ts'),
    import('../../src/probes/database.ts'),
    import('../../src/probes/broker.ts'),
    import('../../src/probes/smtp.ts'),
    import('../../src/probes/tcp.ts'),
    import('../../src/probes/dns.ts'),
    import('../../src/probes/certificate.ts'),
    import('../../src/probes/ping.ts'),
    import('../../src/probes/grpc.ts'),
    import('../../src/probes/websocket.ts'),
  ])
}

/**
 * Runs a check that must fail within `limitMs` with a message matching `cause`, leaving no
 * handle open; records it.
 */
export async function mustFail(
  category: string,
  name: string,
  check: string,
  run: () => Promise<unknown>,
  cause: RegExp,
  limitMs = LIMIT_MS,
): Promise<string> {
  const handles = watchHandles()
  const started = performance.now()
  let message: string | undefined
  try {
    await run()
  } catch (error) {
    message = String((error as Error).message).replace(/\x1b\[[0-9;]*m/g, '')
  }
  const ms = performance.now() - started
  expect(message, `${name}: the check passed`).toBeDefined()
  expect(ms, `${name}: took ${Math.round(ms)} ms`).toBeLessThan(limitMs)
  expect(message).toMatch(cause)
  expect(message, `${name}: unprintable characters in the message`).not.toMatch(
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/,
  )
  expect(await handles.leaked(), `${name}: handles left open`).toEqual([])
  rows.push({ category, case: name, check, outcome: observed(message ?? ''), ms, limitMs })
  return message ?? ''
}

/** Records a case whose assertions live in the test itself (bad input, memory, scale). */
export function record(row: Row): void {
  rows.push(row)
}

/** Writes the rows of a test file (call in afterAll) when RECORD_RELIABILITY is set. */
export function writeRows(file: string): void {
  if (!process.env.RECORD_RELIABILITY) return
  const dir = resolve(import.meta.dirname, '../.scratch/reliability')
  mkdirSync(dir, { recursive: true })
  writeFileSync(resolve(dir, `${basename(file, '.test.ts')}.json`), `${JSON.stringify(rows, null, 2)}\n`)
}

/** What the message says went wrong: its first "failed" line, else its "observed" line. */
function observed(message: string): string {
  const lines = message.split('\n')
  const line = lines.find((l) => /^\s*failed\s/.test(l)) ?? lines.find((l) => /^\s*observed\s/.test(l)) ?? lines[0] ?? ''
  return line
    .replace(/^\s*(observed|failed)\s+/, '')
    .replace(/\(after [\d.]+ ms\)$/, '')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
    .trim()
}
