import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { MAX_LINE_CHARS } from '../../../src/core/text.ts'
import type { CheckResult } from '../../../src/node/results.ts'
import {
  type CheckHistory,
  HISTORY_FILE_VERSION,
  HistoryStore,
  MAX_CAUSE_LINES,
  MAX_HISTORY,
  MAX_HISTORY_FILE_BYTES,
  readHistoryFile,
  writeHistoryFile,
} from '../../../src/node/serve/history.ts'
import { aFailingRecord, aRecord, aResult } from '../../support/results.ts'

/** The file operations of the module under test, in order (the real ones run). */
const operations = vi.hoisted(() => [] as string[])
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>()
  const traced = ['writeFile', 'write', 'sync', 'close']
  const open = async (...args: Parameters<typeof fs.open>) => {
    const handle = await fs.open(...args)
    operations.push(`open ${String(args[0])} ${String(args[1])}`)
    return new Proxy(handle, {
      get(target, property) {
        const value = Reflect.get(target, property)
        if (typeof value !== 'function') return value
        return (...rest: unknown[]) => {
          if (traced.includes(String(property))) operations.push(`${String(property)} ${String(args[0])}`)
          return value.apply(target, rest)
        }
      },
    })
  }
  const rename = async (from: string, to: string) => {
    operations.push(`rename ${from} ${to}`)
    return fs.rename(from, to)
  }
  return { ...fs, open, rename, default: { ...fs, open, rename } }
})

const T0 = Date.parse('2026-03-01T12:00:00.000Z')
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString()
type Status = 'pass' | 'warn' | 'fail'
const RECORDS = { pass: () => [aRecord()], warn: () => [aRecord({ status: 'warn', warnings: ['slow'] })], fail: () => [aFailingRecord()] }
/** A result of check `name` at `seconds` after T0. */
const result = (name: string, status: Status | 'skip', seconds: number, overrides: Partial<CheckResult> = {}): CheckResult =>
  aResult({ name, id: `${name}-id`, time: at(seconds), ...(status === 'skip' ? { status } : { checks: RECORDS[status]() }), ...overrides })

/** What the history says of a check, if it has one. */
function of(history: HistoryStore, id: string): CheckHistory | undefined {
  const [check] = history.annotate([{ id }])
  // annotate gives every field, or none
  return check?.history ? (check as CheckHistory) : undefined
}
const checksIn = (history: HistoryStore): number => history.toJSON().checks.length

describe('HistoryStore', () => {
  test('keeps the last `limit` results of each check, oldest first; uptime and flaps over that window only', () => {
    const history = new HistoryStore(4)
    const statuses: Status[] = ['fail', 'fail', 'pass', 'warn', 'fail', 'pass']
    statuses.forEach((status, i) => {
      history.record([result('api', status, i)])
    })
    const [api] = history.annotate([result('api', 'pass', 5)])
    expect(api?.history).toEqual([
      { time: at(2), status: 'pass', latencyMs: 12 },
      { time: at(3), status: 'warn', latencyMs: 12 },
      { time: at(4), status: 'fail', latencyMs: 12 },
      { time: at(5), status: 'pass', latencyMs: 12 },
    ])
    // 3 of 4 up, and pass → warn → fail → pass; the whole sequence would say 4/6 and 4 flaps
    expect(api?.uptime).toBe(0.75)
    expect(api?.flaps).toBe(3)
  })

  test('one entry a result: a result seen again in a merged snapshot (the other tier did not run) is not recorded twice', () => {
    const history = new HistoryStore()
    const diagnostic = result('db', 'pass', 0, { tier: 'diagnostic' })
    for (let run = 0; run < 5; run++) history.record([result('api', 'pass', run * 30), diagnostic])
    const [api, db] = history.annotate([result('api', 'pass', 120), diagnostic])
    expect(api?.history).toHaveLength(5)
    expect(db?.history).toEqual([{ time: at(0), status: 'pass', latencyMs: 12 }])
  })

  test('records no skipped result, none older than the last entry, and a latency only when a check was timed', () => {
    const history = new HistoryStore()
    history.record([result('api', 'pass', 10), result('env', 'pass', 10, { timed: false, latencyMs: 3 })])
    history.record([result('api', 'skip', 20), result('env', 'fail', 5)])
    expect(of(history, 'api-id')?.history).toEqual([{ time: at(10), status: 'pass', latencyMs: 12 }])
    expect(of(history, 'env-id')?.history).toEqual([{ time: at(10), status: 'pass' }])
    expect(of(history, 'never-id')).toBeUndefined()
    history.record([result('skipped', 'skip', 30)])
    expect(checksIn(history)).toBe(2)
  })

  test('keeps the last failure, its cause cut to the line limits, after it left the window', () => {
    const history = new HistoryStore(2)
    const cause = [`first ${'x'.repeat(5000)}`, ...Array.from({ length: 40 }, (_, i) => `line ${i}`)]
    history.record([result('api', 'fail', 0, { cause })])
    for (let i = 1; i <= 3; i++) history.record([result('api', 'pass', i)])
    const api = of(history, 'api-id')
    expect(api?.history.map((e) => e.status)).toEqual(['pass', 'pass'])
    expect(api?.uptime).toBe(1)
    expect(api?.lastFailure?.time).toBe(at(0))
    expect(api?.lastFailure?.cause).toHaveLength(MAX_CAUSE_LINES)
    expect(api?.lastFailure?.cause[0]).toMatch(/^first x+… \(5006 characters in all\)$/)
    expect(api?.lastFailure?.cause[0]?.startsWith(`first ${'x'.repeat(MAX_LINE_CHARS - 6)}…`)).toBe(true)
    expect(api?.lastFailure?.cause.at(-1)).toBe(`… ${41 - MAX_CAUSE_LINES + 1} more lines`)
  })

  test('uptime is rounded down: a window with one failure is never 1', () => {
    const history = new HistoryStore(MAX_HISTORY)
    history.record([result('api', 'fail', 0)])
    for (let i = 1; i < MAX_HISTORY; i++) history.record([result('api', 'pass', i)])
    expect(of(history, 'api-id')?.uptime).toBe(0.9999)
    const thirds = new HistoryStore(3)
    for (const [i, status] of (['pass', 'pass', 'fail'] as const).entries()) thirds.record([result('api', status, i)])
    expect(of(thirds, 'api-id')).toMatchObject({ uptime: 0.6666, flaps: 1 })
  })

  test('a check absent from `limit` consecutive records is dropped; one back before that keeps its history', () => {
    const history = new HistoryStore(3)
    history.record([result('api', 'pass', 0), result('gone', 'pass', 0)])
    history.record([result('api', 'pass', 1)])
    history.record([result('api', 'pass', 2)])
    // absent twice, then back: its history goes on
    history.record([result('api', 'pass', 3), result('gone', 'fail', 3)])
    expect(of(history, 'gone-id')?.history.map((e) => e.status)).toEqual(['pass', 'fail'])
    for (let i = 4; i < 6; i++) history.record([result('api', 'pass', i)])
    expect(of(history, 'gone-id')).toBeDefined()
    history.record([result('api', 'pass', 6)])
    expect(of(history, 'gone-id')).toBeUndefined()
    expect(checksIn(history)).toBe(1)
  })

  test('at most `maxChecks` checks: a new one takes the place of the one absent the longest, else is not kept', () => {
    const history = new HistoryStore(10, { maxChecks: 2 })
    history.record([result('a', 'pass', 0), result('b', 'pass', 0), result('c', 'pass', 0)])
    expect(checksIn(history)).toBe(2)
    expect(of(history, 'c-id')).toBeUndefined()
    history.record([result('b', 'pass', 1)])
    history.record([result('b', 'pass', 2), result('c', 'pass', 2)])
    expect(checksIn(history)).toBe(2)
    expect(of(history, 'a-id')).toBeUndefined()
    expect(of(history, 'c-id')?.history).toHaveLength(1)
    // 1,200,000 entries in all: a longer window keeps fewer checks
    expect(new HistoryStore(120).maxChecks).toBe(10_000)
    expect(new HistoryStore(MAX_HISTORY).maxChecks).toBe(120)
  })

  test('annotate adds the history to the checks that have one, and leaves the others and its input as they are', () => {
    const history = new HistoryStore()
    const api = result('api', 'pass', 0)
    history.record([api])
    const unknown = result('new', 'pass', 0)
    const [annotated, other] = history.annotate([api, unknown])
    expect(annotated).toMatchObject({ name: 'api', history: [{ time: at(0), status: 'pass' }], uptime: 1, flaps: 0 })
    expect(annotated).not.toHaveProperty('lastFailure')
    expect(other).toBe(unknown)
    expect(api).not.toHaveProperty('history')
    // the entries cannot be changed through what annotate returns
    expect(() => {
      ;(annotated?.history?.[0] as { status: string }).status = 'fail'
    }).toThrow(TypeError)
    expect(of(history, 'api-id')?.history[0]?.status).toBe('pass')
  })

  test('refuses a window it cannot keep', () => {
    for (const limit of [0, 1.5, MAX_HISTORY + 1, Number.NaN]) expect(() => new HistoryStore(limit)).toThrow(RangeError)
  })
})

describe('the state file', () => {
  let dir: string
  let path: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'prodcheck-history-'))
    path = join(dir, 'state.json')
    operations.length = 0
  })
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  const filled = (runs = 3): HistoryStore => {
    const history = new HistoryStore(5)
    for (let i = 0; i < runs; i++) history.record([result('api', i === 1 ? 'fail' : 'pass', i), result('env', 'warn', i, { timed: false })])
    return history
  }
  const leftovers = (): string[] => readdirSync(dir).filter((name) => name !== 'state.json')

  test('a missing file is an empty history, and no warning', async () => {
    const { history, warning } = await readHistoryFile(path, 5)
    expect(checksIn(history)).toBe(0)
    expect(history.limit).toBe(5)
    expect(warning).toBeUndefined()
  })

  test('a file in a directory that does not exist: said at start, as no history can be kept', async () => {
    const { history, warning } = await readHistoryFile(join(dir, 'missing', 'state.json'), 5)
    expect(checksIn(history)).toBe(0)
    expect(warning).toBe(`the directory of the history file ${join(dir, 'missing', 'state.json')} does not exist: the history will not be kept`)
  })

  test('what is written is read back: the same history, with a version', async () => {
    const written = filled()
    expect(await writeHistoryFile(path, written)).toBeUndefined()
    const data = JSON.parse(readFileSync(path, 'utf8'))
    expect(data.version).toBe(HISTORY_FILE_VERSION)
    const { history, warning } = await readHistoryFile(path, 5)
    expect(warning).toBeUndefined()
    const checks = [result('api', 'pass', 2), result('env', 'warn', 2)]
    expect(history.annotate(checks)).toEqual(written.annotate(checks))
    expect(of(history, 'api-id')?.lastFailure?.time).toBe(at(1))
    expect(leftovers()).toEqual([])
  })

  test('writes atomically: a temporary file in the same directory, written, synced and closed, then renamed over the file', async () => {
    await writeHistoryFile(path, filled())
    const temporary = operations[0]?.split(' ')[1] ?? ''
    expect(dirname(temporary)).toBe(dir)
    expect(basename(temporary)).toMatch(/^state\.json\.tmp-\d+-[0-9a-f]{8}$/)
    expect(operations.slice(0, 5)).toEqual([
      `open ${temporary} wx`,
      `writeFile ${temporary}`,
      `sync ${temporary}`,
      `close ${temporary}`,
      `rename ${temporary} ${path}`,
    ])
    expect(operations.some((operation) => operation.startsWith(`open ${path} `))).toBe(false)
  })

  test('a reader never sees a partial file while a large history is written', async () => {
    const small = filled()
    await writeHistoryFile(path, small)
    const large = new HistoryStore(120)
    for (let run = 0; run < 120; run++) large.record(Array.from({ length: 500 }, (_, i) => result(`check ${i}`, 'pass', run)))
    const write = writeHistoryFile(path, large)
    let done = false
    void write.then(() => {
      done = true
    })
    const seen = new Set<number>()
    while (!done) {
      // between the steps of the write: the file is the old one or the new one, whole
      seen.add(JSON.parse(readFileSync(path, 'utf8')).checks.length)
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect(await write).toBeUndefined()
    expect(seen.has(2)).toBe(true)
    expect([...seen].every((n) => n === 2 || n === 500)).toBe(true)
    expect(JSON.parse(readFileSync(path, 'utf8')).checks).toHaveLength(500)
  })

  test('writes made one after the other without waiting land in the order of the calls', async () => {
    const history = filled(1)
    const first = writeHistoryFile(path, history)
    history.record([result('api', 'pass', 100)])
    const second = writeHistoryFile(path, history)
    expect(await Promise.all([first, second])).toEqual([undefined, undefined])
    const { history: read } = await readHistoryFile(path, 5)
    expect(of(read, 'api-id')?.history.at(-1)?.time).toBe(at(100))
    expect(leftovers()).toEqual([])
  })

  test('a crash in the middle of a write leaves the previous file whole: the temporary file is ignored, then removed', async () => {
    await writeHistoryFile(path, filled())
    const partial = join(dir, 'state.json.tmp-4242-0badf00d')
    writeFileSync(partial, '{"version":1,"checks":[{"id":"api-id","history":[["2026-03-01T12:')
    writeFileSync(join(dir, 'state.json.tmp-notes.txt'), 'not ours')
    const { history, warning } = await readHistoryFile(path, 5)
    expect(warning).toBeUndefined()
    expect(of(history, 'api-id')?.history).toHaveLength(3)
    expect(leftovers()).toEqual(['state.json.tmp-notes.txt'])
  })

  test('a crash before the first rename: only a temporary file, an empty history', async () => {
    writeFileSync(join(dir, 'state.json.tmp-4242-0badf00d'), '{"vers')
    const { history, warning } = await readHistoryFile(path, 5)
    expect([checksIn(history), warning]).toEqual([0, undefined])
  })

  test('a write that fails says why, never throws, and leaves no temporary file', async () => {
    const warning = await writeHistoryFile(join(dir, 'missing', 'state.json'), filled())
    expect(warning).toMatch(/^cannot write the history file .*missing\/state\.json: ENOENT/)
    mkdirSync(join(dir, 'a-directory'))
    const overDirectory = await writeHistoryFile(join(dir, 'a-directory'), filled())
    expect(overDirectory).toMatch(/cannot write the history file .*a-directory: /)
    expect(readdirSync(dir)).toEqual(['a-directory'])
  })

  for (const [what, content, reason] of [
    ['not JSON', '{"version":1,"checks":[', /is not JSON \(/],
    ['an empty file', '', /is not JSON \(/],
    ['JSON of another shape', '[1,2,3]', /is not a state file of prodcheck \(not a JSON object\)/],
    ['another version', '{"version":2,"checks":[]}', /is not a state file of prodcheck \(version 2, expected 1\)/],
    ['no list of checks', '{"version":1,"checks":{"api-id":[]}}', /no list of checks/],
  ] as const) {
    test(`a corrupt file (${what}) is reported and set aside, never a crash; the next write makes a new one`, async () => {
      writeFileSync(path, content)
      const { history, warning } = await readHistoryFile(path, 5)
      expect(checksIn(history)).toBe(0)
      expect(warning).toMatch(reason)
      const aside = readdirSync(dir).filter((name) => name.startsWith('state.json.corrupt-'))
      expect(aside).toHaveLength(1)
      expect(warning).toContain(`set aside as ${join(dir, aside[0] ?? '')}; the history starts empty`)
      expect(readFileSync(join(dir, aside[0] ?? ''), 'utf8')).toBe(content)
      expect(existsSync(path)).toBe(false)
      expect(await writeHistoryFile(path, filled())).toBeUndefined()
      expect((await readHistoryFile(path, 5)).warning).toBeUndefined()
    })
  }

  test('a file larger than any history is set aside unread', async () => {
    writeFileSync(path, '')
    truncateSync(path, MAX_HISTORY_FILE_BYTES + 1)
    const { history, warning } = await readHistoryFile(path, 5)
    expect(checksIn(history)).toBe(0)
    expect(warning).toMatch(/is too large \(134217729 bytes\): set aside as .*state\.json\.corrupt-/)
  })

  test('a directory in place of the file is reported, and left where it is', async () => {
    mkdirSync(path)
    const { history, warning } = await readHistoryFile(path, 5)
    expect(checksIn(history)).toBe(0)
    expect(warning).toMatch(/is not a regular file/)
    expect(existsSync(path)).toBe(true)
  })

  test('every field is checked as data from disk: what is invalid is left out and counted, sizes are capped', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString()
    writeFileSync(
      path,
      JSON.stringify({
        version: 1,
        checks: [
          {
            id: 'api-id',
            absent: 1,
            history: [
              [at(0), 'pass', 10],
              [at(1), 'skip', 10], // not a status
              [at(1), 'pass', -1], // negative latency
              [at(2), 'fail'],
              [at(2), 'pass', 5], // not newer than the last
              ['1', 'pass'], // not an ISO time
              [future, 'pass'], // in the future
              [at(3), 'warn', 7, 'extra'], // too long
              { time: at(4), status: 'pass' }, // not a tuple
              [at(5), 'pass', 12],
            ],
            lastFailure: { time: at(2), cause: ['<b>x</b>', 'y'.repeat(100_000), ...Array.from({ length: 1000 }, () => 'z')] },
          },
          { id: 'x'.repeat(10_000), history: [[at(0), 'pass']] }, // id too long
          { id: 'api-id', history: [[at(9), 'pass']] }, // the same id again
          { id: 'long-id', history: Array.from({ length: 50 }, (_, i) => [at(i), 'pass']) }, // more than the window: the last 20 are read
          { id: 'bad-failure', history: [[at(0), 'pass']], lastFailure: { time: at(0), cause: [1, 2] } },
          'not an object',
        ],
      }),
    )
    const { history, warning } = await readHistoryFile(path, 20)
    expect(warning).toBe(`the history file ${path}: 11 invalid items left out`)
    const api = of(history, 'api-id')
    expect(api?.history).toEqual([
      { time: at(0), status: 'pass', latencyMs: 10 },
      { time: at(2), status: 'fail' },
      { time: at(5), status: 'pass', latencyMs: 12 },
    ])
    expect(api?.lastFailure?.cause).toHaveLength(MAX_CAUSE_LINES)
    expect(api?.lastFailure?.cause[0]).toBe('<b>x</b>')
    expect(api?.lastFailure?.cause[1]?.length).toBeLessThan(MAX_LINE_CHARS + 100)
    expect(of(history, 'long-id')?.history.map((e) => e.time)).toEqual(Array.from({ length: 20 }, (_, i) => at(30 + i)))
    expect(of(history, 'bad-failure')?.lastFailure).toBeUndefined()
    expect(checksIn(history)).toBe(3)
  })

  test('read with a shorter window, each check keeps its last results', async () => {
    const long = new HistoryStore(10)
    for (let i = 0; i < 10; i++) long.record([result('api', 'pass', i)])
    await writeHistoryFile(path, long)
    const { history, warning } = await readHistoryFile(path, 4)
    expect(warning).toBeUndefined()
    expect(of(history, 'api-id')?.history.map((e) => e.time)).toEqual([6, 7, 8, 9].map(at))
  })

  test('writes no secret a cause carries', async () => {
    const history = new HistoryStore()
    history.record([result('db', 'fail', 0, { cause: ['toConnectToDatabase postgres://app:hunter2-secret@db:5432/app: refused'] })])
    await writeHistoryFile(path, history)
    const text = readFileSync(path, 'utf8')
    expect(text).not.toContain('hunter2-secret')
    expect(text).toContain('postgres://app:***@db:5432/app')
  })
})
