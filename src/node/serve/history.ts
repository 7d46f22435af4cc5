/**
 * The history of every check for `prodcheck serve`: the last N results of each check (120 by
 * default, `--history N`), keyed by the check's `id` (Vitest's id, stable across runs), with
 * what is derived from them: the uptime and the flaps of that window, and the last failure.
 *
 * - **One entry a result.** {@link HistoryStore.record} appends an entry for a check only when
 *   its `time` is newer than its last entry: the tiers run at their own intervals and are merged
 *   into one snapshot, so the same result is seen many times and counted once. Skipped results
 *   are not recorded. A result older than the last entry (the clock stepped back) is not either.
 * - **Checks that leave the suite** are dropped once absent from N consecutive records (N the
 *   window): a file that fails to load for a run, or a tier recorded on its own, keeps its
 *   history; a check renamed or deleted for good is forgotten after a window.
 * - **Bounded memory**: N entries a check; at most 10,000 checks, and at most 1,200,000 entries
 *   in all (fewer checks for a longer window); a new check past the cap takes the place of the
 *   check absent the longest, else it is not kept. The cause of the last failure is at most
 *   {@link MAX_CAUSE_LINES} lines of at most `MAX_LINE_CHARS` characters.
 * - **Persistence** (`--state-file PATH`): {@link writeHistoryFile} after each run, atomically
 *   (a temporary file in the same directory, fsync, rename), JSON with a `version`;
 *   {@link readHistoryFile} at start: a missing file is an empty history; a corrupt one is set
 *   aside as `PATH.corrupt-<time>` and reported, never a crash; every field is checked as data
 *   from disk. Texts written come from results already redacted, and are redacted again when read.
 *   One state file belongs to one `serve` process.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { open, readdir, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { cutLines, MAX_LINE_CHARS, peerText, plural } from '../../core/text.ts'
import type { CheckResult } from '../results.ts'

/** The status of a check in its history (skipped results are not recorded). */
export type HistoryStatus = 'pass' | 'warn' | 'fail'

/** One result of a check. */
export interface HistoryEntry {
  /** When the test finished (ISO). */
  time: string
  status: HistoryStatus
  /** The latency of its checks; absent when none was timed. */
  latencyMs?: number
}

/** The last failure of a check, kept after it left the window. */
export interface LastFailure {
  time: string
  /** Its cause, one line each, at most {@link MAX_CAUSE_LINES} lines. */
  cause: string[]
}

/** What the history says of a check. */
export interface CheckHistory {
  /** The last results, oldest first. */
  history: HistoryEntry[]
  /** The share of pass and warn in `history`, 0..1, rounded down to 0.0001 (1 only when none failed). */
  uptime: number
  /** Status changes in `history`. */
  flaps: number
  lastFailure?: LastFailure
}

/** Results kept a check by default (`--history`). */
export const DEFAULT_HISTORY = 120
/** The longest window `--history` may ask for. */
export const MAX_HISTORY = 10_000
/** Lines of the cause of the last failure, at most. */
export const MAX_CAUSE_LINES = 6
/** The version of the state file's format. */
export const HISTORY_FILE_VERSION = 1

const MAX_CHECKS = 10_000
const MAX_ENTRIES = 1_200_000
const MAX_ID_CHARS = 200
/** The "… (N characters in all)" a cut line may end with, beyond `MAX_LINE_CHARS`. */
const CUT_ROOM = 64
/** The largest state file read: more than a full store writes (entries and causes of 10,000 checks). */
export const MAX_HISTORY_FILE_BYTES = 128 * 1024 * 1024
/** Times from disk later than now by more than this are not believed. */
const CLOCK_SKEW_MS = 5 * 60_000
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/
const STATUSES: ReadonlySet<unknown> = new Set(['pass', 'warn', 'fail'])

/** What {@link HistoryStore.record} reads of a result. */
export type RecordedResult = Pick<CheckResult, 'id' | 'status' | 'time' | 'latencyMs' | 'timed' | 'cause'>

interface Series {
  entries: HistoryEntry[]
  /** `time` of the last entry, in ms. */
  lastMs: number
  /** Consecutive records the check was absent from. */
  absent: number
  lastFailure?: LastFailure
}

/** The state file: an entry is `[time, status]` or `[time, status, latencyMs]`. */
export interface HistoryFile {
  version: typeof HISTORY_FILE_VERSION
  writtenAt: string
  limit: number
  checks: Array<{ id: string; absent?: number; history: Array<[string, HistoryStatus] | [string, HistoryStatus, number]>; lastFailure?: LastFailure }>
}

/** The last `limit` results of every check, in memory. */
export class HistoryStore {
  /** Checks kept at most. */
  readonly maxChecks: number
  private readonly series = new Map<string, Series>()

  /**
   * An empty history of `limit` results a check (1 to {@link MAX_HISTORY}).
   *
   * @example
   * const history = new HistoryStore(120)
   */
  constructor(
    readonly limit = DEFAULT_HISTORY,
    { maxChecks = Math.min(MAX_CHECKS, Math.floor(MAX_ENTRIES / limit)) }: { maxChecks?: number } = {},
  ) {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY)
      throw new RangeError(`the history keeps 1 to ${MAX_HISTORY} results a check, got ${limit}`)
    this.maxChecks = maxChecks
  }

  /**
   * Records a run's results (or a snapshot of merged tiers): one entry a check whose `time` is
   * newer than its last entry; skipped results are not recorded. Checks absent from `limit`
   * consecutive records are dropped.
   *
   * @example
   * history.record(snapshot.checks)
   */
  record(checks: readonly RecordedResult[]): void {
    const present = new Set(checks.map((check) => check.id))
    for (const [id, series] of this.series) {
      if (present.has(id)) series.absent = 0
      else if (++series.absent >= this.limit) this.series.delete(id)
    }
    const fresh = checks.filter((check) => check.status !== 'skip' && check.id.length <= MAX_ID_CHARS && !this.series.has(check.id))
    this.makeRoom(new Set(fresh.map((check) => check.id)).size)
    for (const check of checks) {
      if (check.status === 'skip' || check.id.length > MAX_ID_CHARS) continue
      const ms = Date.parse(check.time)
      if (!Number.isFinite(ms)) continue
      let series = this.series.get(check.id)
      if (!series) {
        if (this.series.size >= this.maxChecks) continue
        series = { entries: [], lastMs: Number.NEGATIVE_INFINITY, absent: 0 }
        this.series.set(check.id, series)
      }
      if (ms <= series.lastMs) continue
      const time = new Date(ms).toISOString()
      append(series, entry(time, check.status, check.timed ? check.latencyMs : undefined), this.limit)
      if (check.status === 'fail') series.lastFailure = { time, cause: recordedCause(check.cause) }
    }
  }

  /**
   * The checks with their history (`history`, `uptime`, `flaps`, `lastFailure`); a check
   * without one is returned as it is.
   *
   * @example
   * const snapshot = { ...scheduler.snapshot, checks: history.annotate(scheduler.snapshot.checks) }
   */
  annotate<T extends Pick<CheckResult, 'id'>>(checks: readonly T[]): Array<T & Partial<CheckHistory>> {
    return checks.map((check) => {
      const series = this.series.get(check.id)
      return series && series.entries.length > 0 ? { ...check, ...summary(series) } : check
    })
  }

  /**
   * What {@link writeHistoryFile} writes.
   *
   * @example
   * JSON.stringify(history.toJSON())
   */
  toJSON(): HistoryFile {
    return {
      version: HISTORY_FILE_VERSION,
      writtenAt: new Date().toISOString(),
      limit: this.limit,
      checks: [...this.series].map(([id, series]) => ({
        id,
        ...(series.absent > 0 && { absent: series.absent }),
        history: series.entries.map((e): HistoryFile['checks'][number]['history'][number] =>
          e.latencyMs === undefined ? [e.time, e.status] : [e.time, e.status, e.latencyMs],
        ),
        ...(series.lastFailure && { lastFailure: series.lastFailure }),
      })),
    }
  }

  /**
   * A history from a state file's data, every field checked: what is invalid is left out and
   * counted; each check keeps its last `limit` entries. Throws when the data is not a state
   * file of this version.
   *
   * @example
   * const { history, invalid } = HistoryStore.fromJSON(JSON.parse(text), 120)
   */
  static fromJSON(data: unknown, limit = DEFAULT_HISTORY, now = Date.now()): { history: HistoryStore; invalid: number } {
    if (!isObject(data)) throw new Error('not a JSON object')
    if (data.version !== HISTORY_FILE_VERSION)
      throw new Error(`version ${peerText(JSON.stringify(data.version) ?? 'missing', 40)}, expected ${HISTORY_FILE_VERSION}`)
    if (!Array.isArray(data.checks)) throw new Error('no list of checks')
    const history = new HistoryStore(limit)
    let invalid = Math.max(0, data.checks.length - history.maxChecks)
    for (const raw of data.checks.slice(0, history.maxChecks)) {
      const read = readSeries(raw, limit, now)
      invalid += read.invalid
      if (!read.id || !read.series) continue
      if (history.series.has(read.id)) invalid++
      else if (read.series.absent < limit) history.series.set(read.id, read.series)
    }
    return { history, invalid }
  }

  /** Makes room for `needed` new checks by dropping those absent the longest. */
  private makeRoom(needed: number): void {
    const over = this.series.size + needed - this.maxChecks
    if (over <= 0) return
    const gone = [...this.series].filter(([, series]) => series.absent > 0).sort(([, a], [, b]) => b.absent - a.absent)
    for (const [id] of gone.slice(0, over)) this.series.delete(id)
  }
}

function entry(time: string, status: HistoryStatus, latencyMs: number | undefined): HistoryEntry {
  return Object.freeze(latencyMs === undefined ? { time, status } : { time, status, latencyMs })
}

function append(series: Series, item: HistoryEntry, limit: number): void {
  series.entries.push(item)
  if (series.entries.length > limit) series.entries.splice(0, series.entries.length - limit)
  series.lastMs = Date.parse(item.time)
}

function summary(series: Series): CheckHistory {
  const { entries } = series
  const up = entries.filter((e) => e.status !== 'fail').length
  let flaps = 0
  for (let i = 1; i < entries.length; i++) if (entries[i]?.status !== entries[i - 1]?.status) flaps++
  return {
    history: [...entries],
    // from integers, rounded down: a window with a failure never shows 1
    uptime: Math.floor((up * 10_000) / entries.length) / 10_000,
    flaps,
    ...(series.lastFailure && { lastFailure: series.lastFailure }),
  }
}

/** A cause as the history keeps it: at most so many lines, each redacted, on one line and cut. */
function recordedCause(cause: readonly string[]): string[] {
  return cutLines(cause, MAX_CAUSE_LINES).map((line) => peerText(line, MAX_LINE_CHARS))
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** One check of a state file, each field checked; `invalid` counts what was left out. */
function readSeries(raw: unknown, limit: number, now: number): { id?: string; series?: Series; invalid: number } {
  if (!isObject(raw) || typeof raw.id !== 'string' || raw.id.length === 0 || raw.id.length > MAX_ID_CHARS || !Array.isArray(raw.history)) {
    return { invalid: 1 }
  }
  const series: Series = { entries: [], lastMs: Number.NEGATIVE_INFINITY, absent: 0 }
  let invalid = 0
  // cap first: the last `limit` entries only are read
  for (const item of raw.history.slice(-limit)) {
    const read = readEntry(item, now)
    if (read && Date.parse(read.time) > series.lastMs) append(series, read, limit)
    else invalid++
  }
  if (raw.absent !== undefined) {
    if (Number.isInteger(raw.absent) && (raw.absent as number) >= 0) series.absent = raw.absent as number
    else invalid++
  }
  if (raw.lastFailure !== undefined) {
    const lastFailure = readLastFailure(raw.lastFailure, now)
    if (lastFailure) series.lastFailure = lastFailure
    else invalid++
  }
  return series.entries.length > 0 || series.lastFailure ? { id: raw.id, series, invalid } : { id: raw.id, invalid: invalid + 1 }
}

function readEntry(item: unknown, now: number): HistoryEntry | undefined {
  if (!Array.isArray(item) || item.length < 2 || item.length > 3) return undefined
  const [rawTime, status, latencyMs] = item as unknown[]
  const time = readTime(rawTime, now)
  if (!time || !STATUSES.has(status)) return undefined
  if (latencyMs !== undefined && !(typeof latencyMs === 'number' && Number.isFinite(latencyMs) && latencyMs >= 0)) return undefined
  return entry(time, status as HistoryStatus, latencyMs as number | undefined)
}

function readLastFailure(raw: unknown, now: number): LastFailure | undefined {
  if (!isObject(raw) || !Array.isArray(raw.cause)) return undefined
  const time = readTime(raw.time, now)
  const cause = raw.cause.slice(0, MAX_CAUSE_LINES)
  if (!time || !cause.every((line) => typeof line === 'string')) return undefined
  // what this version wrote is kept as it was (a cut line ends with its "… (N characters in all)")
  return { time, cause: cause.map((line: string) => peerText(line, MAX_LINE_CHARS + CUT_ROOM)) }
}

/** An ISO time (`2026-01-01T00:00:00.000Z`), not in the future, normalized; else undefined. */
function readTime(value: unknown, now: number): string | undefined {
  if (typeof value !== 'string' || value.length > 40 || !ISO_TIME.test(value)) return undefined
  const ms = Date.parse(value)
  return Number.isFinite(ms) && ms <= now + CLOCK_SKEW_MS ? new Date(ms).toISOString() : undefined
}

/**
 * Reads the history `serve` kept in its state file. A missing file is an empty history; a
 * file that cannot be read or is not a state file is set aside as `PATH.corrupt-<time>` and
 * reported in `warning`, never thrown; temporary files left by a write that did not finish
 * (a crash) are removed.
 *
 * @example
 * const { history, warning } = await readHistoryFile('/var/lib/prodcheck/state.json', 120)
 * if (warning) log(warning)
 */
export async function readHistoryFile(path: string, limit = DEFAULT_HISTORY): Promise<{ history: HistoryStore; warning?: string }> {
  const empty = new HistoryStore(limit)
  await removeLeftovers(path)
  let text: string
  try {
    const info = await stat(path)
    if (!info.isFile()) return { history: empty, warning: `the history file ${path} is not a regular file: the history starts empty and is not kept` }
    if (info.size > MAX_HISTORY_FILE_BYTES) return { history: empty, warning: await setAside(path, `is too large (${info.size} bytes)`) }
    text = await readCapped(path)
  } catch (error) {
    if (codeOf(error) === 'ENOENT') {
      // no history yet; but without its directory, none will be kept either
      const directory = await stat(dirname(path)).catch(() => undefined)
      return directory?.isDirectory()
        ? { history: empty }
        : { history: empty, warning: `the directory of the history file ${path} does not exist: the history will not be kept` }
    }
    return { history: empty, warning: await setAside(path, `cannot be read (${messageOf(error)})`) }
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    return { history: empty, warning: await setAside(path, `is not JSON (${messageOf(error)})`) }
  }
  try {
    const { history, invalid } = HistoryStore.fromJSON(data, limit)
    return invalid > 0 ? { history, warning: `the history file ${path}: ${plural(invalid, 'invalid item')} left out` } : { history }
  } catch (error) {
    return { history: empty, warning: await setAside(path, `is not a state file of prodcheck (${messageOf(error)})`) }
  }
}

/** Writes in progress, by path: each write starts when the last one ended. */
const writing = new Map<string, Promise<string | undefined>>()

/**
 * Writes the history to its state file, atomically: a temporary file in the same directory,
 * fsync, rename over `path` (a crash leaves the previous file whole). Writes to a path are made
 * in the order of the calls. Resolves with a warning when it failed; never rejects.
 *
 * @example
 * const warning = await writeHistoryFile('/var/lib/prodcheck/state.json', history)
 * if (warning) log(warning)
 */
export function writeHistoryFile(path: string, history: HistoryStore): Promise<string | undefined> {
  // the history as it is now, whenever the write starts
  const text = `${JSON.stringify(history)}\n`
  const write = (writing.get(path) ?? Promise.resolve(undefined)).then(() =>
    writeAtomically(path, text).then(
      () => undefined,
      (error: unknown) => `cannot write the history file ${path}: ${messageOf(error)}`,
    ),
  )
  writing.set(path, write)
  void write.then(() => {
    if (writing.get(path) === write) writing.delete(path)
  })
  return write
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = join(dirname(path), `${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`)
  let renamed = false
  try {
    const handle = await open(temporary, 'wx', 0o600)
    try {
      await handle.writeFile(text)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temporary, path)
    renamed = true
  } finally {
    if (!renamed) await unlink(temporary).catch(() => {})
  }
  // the rename itself survives a power cut once the directory is synced (not every platform can)
  const directory = await open(dirname(path), 'r').catch(() => undefined)
  if (!directory) return
  await directory.sync().catch(() => {})
  await directory.close()
}

/** Reads a regular file without blocking on a FIFO, at most `MAX_HISTORY_FILE_BYTES`. */
async function readCapped(path: string): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  try {
    const { size } = await handle.stat()
    if (size > MAX_HISTORY_FILE_BYTES) throw new Error(`${size} bytes`)
    return await handle.readFile('utf8')
  } finally {
    await handle.close()
  }
}

/** Renames a corrupt state file to `PATH.corrupt-<time>`; the warning that says so. */
async function setAside(path: string, why: string): Promise<string> {
  const aside = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
  try {
    await rename(path, aside)
    return `the history file ${path} ${why}: set aside as ${aside}; the history starts empty`
  } catch (error) {
    return `the history file ${path} ${why}, and cannot be set aside (${messageOf(error)}): the history starts empty`
  }
}

/** Removes the temporary files of writes that did not finish (`PATH.tmp-<pid>-<hex>`). */
async function removeLeftovers(path: string): Promise<void> {
  const prefix = `${basename(path)}.tmp-`
  const names = await readdir(dirname(path)).catch(() => [] as string[])
  for (const name of names) {
    if (name.startsWith(prefix) && /^\d+-[0-9a-f]{8}$/.test(name.slice(prefix.length))) await unlink(join(dirname(path), name)).catch(() => {})
  }
}

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string } | undefined)?.code
}

/** An error's message, on one line and cut: JSON.parse quotes the text it choked on. */
function messageOf(error: unknown): string {
  return peerText(String((error as Error)?.message ?? error), 200)
}
