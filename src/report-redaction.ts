/**
 * Redaction of everything a Vitest worker reports to the main process: test and suite
 * names, errors (message, stack, diff, expected, actual, causes), task meta, annotations,
 * console output and unhandled errors. Vitest's own reporters (default, JSON, JUnit),
 * `prodcheck/reporter`, `prodcheck run` and `serve` all read what the worker sends, so a
 * secret scrubbed here is scrubbed everywhere, even in what Vitest itself prints.
 *
 * Every message a worker sends goes through one object, the worker state's `rpc` (read
 * afresh for every call), so the redaction wraps that object: the one place where nothing
 * can slip by. This is Vitest's internal state (`globalThis.__vitest_worker__`), pinned by
 * test/report-redaction.test.ts and docs/decisions/0010; where it is missing (another
 * Vitest), the runner's hooks redact names and errors instead (src/runner.ts).
 *
 * @module
 */
import { redact } from './redact.ts'

// (a set, not a marker property: Vitest's rpc object answers every property with a function)
const WRAPPED_KEY = Symbol.for('prodcheck.rpc-redacted')
const holder = globalThis as { [WRAPPED_KEY]?: WeakSet<object> }
holder[WRAPPED_KEY] ??= new WeakSet()
const wrapped: WeakSet<object> = holder[WRAPPED_KEY]
/** Fields of a serialized error that carry text. */
const ERROR_TEXT = ['message', 'stack', 'diff', 'expected', 'actual', 'name', 'stackStr', 'nameStr', 'codeFrame'] as const

type Rpc = Record<string | symbol, unknown>

/** What each report carries, redacted in place (the objects are the worker's own copies). */
const REDACTORS: Record<string, (args: unknown[]) => void> = {
  onCollected: ([files]) => {
    for (const file of (files as unknown[] | undefined) ?? []) redactTask(file)
  },
  onTaskUpdate: ([packs]) => {
    for (const pack of (packs as unknown[][] | undefined) ?? []) {
      redactResult(pack[1])
      redactMeta(pack[2])
    }
  },
  onTaskArtifactRecord: ([, artifact]) => redactStrings(artifact, 4),
  onUserConsoleLog: ([log]) => {
    const entry = log as { content?: unknown } | undefined
    if (entry && typeof entry.content === 'string') entry.content = redact(entry.content)
  },
  onUnhandledError: ([error]) => redactError(error),
}

/**
 * Wraps the reporting channel of this worker (once): every name, error, record, annotation
 * and log it sends is redacted first. Returns false when this Vitest keeps no such channel.
 *
 * @example
 * redactWorkerReports() // in the runner's constructor and the setup file
 */
export function redactWorkerReports(scope: object = globalThis): boolean {
  const state = (scope as { __vitest_worker__?: { rpc?: Rpc } }).__vitest_worker__
  const rpc = state?.rpc
  if (!state || !rpc || typeof rpc !== 'object') return false
  if (wrapped.has(rpc)) return true
  const proxy = new Proxy(rpc, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver)
      const redactor = typeof property === 'string' ? REDACTORS[property] : undefined
      if (!redactor || typeof value !== 'function') return value
      const send = (...args: unknown[]): unknown => {
        redactor(args)
        return (value as (...a: unknown[]) => unknown)(...args)
      }
      return Object.assign(send, { asEvent: (value as { asEvent?: unknown }).asEvent })
    },
  })
  wrapped.add(proxy)
  state.rpc = proxy
  return true
}

/**
 * Redacts a task tree in place: names, errors, meta.
 *
 * @example
 * redactTask(file) // before Vitest sends the collected file to the main process
 */
export function redactTask(task: unknown): void {
  if (!task || typeof task !== 'object') return
  const node = task as { name?: unknown; fullName?: unknown; fullTestName?: unknown; result?: unknown; meta?: unknown; tasks?: unknown[] }
  for (const key of ['name', 'fullName', 'fullTestName'] as const) if (typeof node[key] === 'string') node[key] = redact(node[key] as string)
  redactResult(node.result)
  redactMeta(node.meta)
  for (const child of node.tasks ?? []) redactTask(child)
}

/**
 * Redacts the errors of a task result in place.
 *
 * @example
 * redactResult(test.result)
 */
export function redactResult(result: unknown): void {
  const errors = (result as { errors?: unknown[] } | undefined)?.errors
  if (Array.isArray(errors)) for (const error of errors) redactError(error)
}

function redactError(error: unknown, depth = 0): void {
  if (!error || typeof error !== 'object' || depth > 4) return
  const fields = error as Record<string, unknown>
  for (const key of ERROR_TEXT) if (typeof fields[key] === 'string') fields[key] = redact(fields[key] as string)
  redactError(fields.cause, depth + 1)
  if (Array.isArray(fields.errors)) for (const inner of fields.errors) redactError(inner, depth + 1)
}

function redactMeta(meta: unknown): void {
  if (meta && typeof meta === 'object') redactStrings(meta, 5)
}

/** Redacts every string of a plain value in place, to `depth` levels. */
function redactStrings(value: unknown, depth: number): void {
  if (!value || typeof value !== 'object' || depth < 0) return
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) {
    const item = record[key]
    if (typeof item === 'string') record[key] = redact(item)
    else redactStrings(item, depth - 1)
  }
}
