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
 * Vitest), the runner's hooks redact names and errors instead (src/worker/runner.ts).
 *
 * @module
 */
import { isMainThread } from 'node:worker_threads'
import { MASK, redact } from '../core/redact.ts'

// (a set, not a marker property: Vitest's rpc object answers every property with a function)
const WRAPPED_KEY = Symbol.for('prodcheck.rpc-redacted')
const holder = globalThis as { [WRAPPED_KEY]?: WeakSet<object> }
holder[WRAPPED_KEY] ??= new WeakSet()
const wrapped: WeakSet<object> = holder[WRAPPED_KEY]

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
  onTaskArtifactRecord: ([, artifact]) => redactStrings(artifact, DEPTH),
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

const OUTPUT_WRAPPED = Symbol.for('prodcheck.output-redacted')

/**
 * Redacts what a check file writes to the worker's own stdout and stderr (`process.stdout.write`,
 * which Vitest passes on to the terminal as it is); text only, bytes go through untouched.
 * Inside a Vitest worker (a thread or a child process) only.
 *
 * @example
 * redactWorkerOutput() // in the setup file
 */
export function redactWorkerOutput(): void {
  if (isMainThread && typeof process.send !== 'function') return
  for (const stream of [process.stdout, process.stderr] as Array<NodeJS.WriteStream & { [OUTPUT_WRAPPED]?: boolean }>) {
    if (stream[OUTPUT_WRAPPED]) continue
    stream[OUTPUT_WRAPPED] = true
    const write = stream.write
    stream.write = function redactedWrite(this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      return (write as (...args: unknown[]) => boolean).call(this, typeof chunk === 'string' ? redact(chunk) : chunk, ...rest)
    } as typeof stream.write
  }
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

/** Every text of a serialized error: message, stack, diff, its own properties, causes, a thrown object's fields. */
function redactError(error: unknown): void {
  if (typeof error === 'object' && error !== null) redactStrings(error, DEPTH)
}

function redactMeta(meta: unknown): void {
  if (meta && typeof meta === 'object') redactStrings(meta, DEPTH)
}

/** How deep reports are redacted; deeper, and past {@link MAX_NODES} values, texts are masked whole. */
const DEPTH = 32
const MAX_NODES = 100_000

/**
 * Redacts every string of a value in place. Past `depth` levels or {@link MAX_NODES} values
 * (a report no reader would read), what is left is replaced by a mask rather than sent as it is.
 */
function redactStrings(value: unknown, depth: number, budget = { nodes: MAX_NODES }): void {
  // bytes (an attachment) carry no text to redact, and a key per byte
  if (!value || typeof value !== 'object' || ArrayBuffer.isView(value)) return
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) {
    const item = record[key]
    budget.nodes--
    if (typeof item === 'string') record[key] = budget.nodes > 0 ? redact(item) : MASK
    else if (item && typeof item === 'object') {
      if (depth <= 0 || budget.nodes <= 0) record[key] = MASK
      else redactStrings(item, depth - 1, budget)
    }
  }
}
