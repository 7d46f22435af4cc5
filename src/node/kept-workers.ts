/**
 * A Vitest pool whose worker threads outlive a run, for `prodcheck serve`.
 *
 * Vitest 4 ends every worker thread when its run ends, so each run of `serve` started threads
 * anew and loaded Vitest's runtime, undici (compiling its HTTP parser), prodcheck and the
 * drivers again: some 425 ms of CPU a worker, most of a run's cost (bench/RESULTS.md, issue
 * 16). This pool parks a thread that ended its run cleanly (it answered `stop`) and gives it
 * to the next run; a thread that did not (a blocked event loop, a forced stop when a run is
 * cancelled or Vitest closes) is terminated as Vitest's own pool would. At most `maxWorkers`
 * threads are parked for a project; parked threads do not keep the process alive, and
 * {@link endKeptWorkers} ends them when the session closes.
 *
 * `defineProdProject` uses it when {@link KEEP_WORKERS_VARIABLE} is set (serve sets it), and
 * only from the built package: a worker thread runs JavaScript.
 *
 * @module
 */
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { PoolOptions, PoolWorker, WorkerRequest } from 'vitest/node'

/** Set to `1` by `prodcheck serve`: the prod project then runs on kept worker threads. */
export const KEEP_WORKERS_VARIABLE = 'PRODCHECK_KEEP_WORKERS'

/** The name of the pool, as Vitest reports it. */
export const KEPT_POOL_NAME = 'prodcheck-kept-threads'

/** Parked threads by project, shared by every instance of this module in the process. */
interface Parked {
  threads: Map<string, Worker[]>
}
const PARKED = Symbol.for('prodcheck.kept-workers')
const holder = globalThis as { [PARKED]?: Parked }
holder[PARKED] ??= { threads: new Map() }
const parked: Parked = holder[PARKED]

/**
 * Whether the prod project should run on kept threads: asked by `serve`, and possible (the
 * built package, whose worker entry is JavaScript).
 *
 * @example
 * pool: keepWorkersAsked() ? keptThreadsPool(maxWorkers) : 'threads'
 */
export function keepWorkersAsked(): boolean {
  return process.env[KEEP_WORKERS_VARIABLE] === '1' && import.meta.url.endsWith('.js')
}

/**
 * The pool, for a project's `pool` option.
 *
 * @example
 * defineConfig({ test: { pool: keptThreadsPool(2) } })
 */
export function keptThreadsPool(maxParked: number): { name: string; createPoolWorker: (options: PoolOptions) => PoolWorker } {
  return { name: KEPT_POOL_NAME, createPoolWorker: (options) => new KeptThread(options, maxParked) }
}

/**
 * Ends every parked thread (the session is closing).
 *
 * @example
 * await vitest.close()
 * await endKeptWorkers()
 */
export async function endKeptWorkers(): Promise<void> {
  const all = [...parked.threads.values()].flat()
  parked.threads.clear()
  await Promise.all(all.map((thread) => thread.terminate().catch(() => 0)))
}

const ENTRY = fileURLToPath(new URL('../worker/kept-worker.js', import.meta.url))

type Listener = (arg: unknown) => void

/** One worker of a run, on a thread that may come from an earlier run and may go to a later one. */
class KeptThread implements PoolWorker {
  readonly name = KEPT_POOL_NAME
  private thread: Worker | undefined
  private listeners: Array<[string, Listener]> = []
  /** True from the thread's answer to `stop` until it is parked: only then is it clean. */
  private stoppedCleanly = false
  private readonly key: string
  private readonly stdout: NodeJS.WritableStream
  private readonly stderr: NodeJS.WritableStream

  constructor(
    private readonly options: PoolOptions,
    private readonly maxParked: number,
  ) {
    this.key = JSON.stringify([options.project.name, options.execArgv])
    this.stdout = options.project.vitest.logger.outputStream
    this.stderr = options.project.vitest.logger.errorStream
  }

  on(event: string, callback: Listener): void {
    this.listeners.push([event, callback])
    this.current().on(event, callback)
  }

  off(event: string, callback: Listener): void {
    this.listeners = this.listeners.filter(([e, c]) => e !== event || c !== callback)
    this.current().off(event, callback)
  }

  send(message: WorkerRequest): void {
    if (message.type === 'stop') this.stoppedCleanly = false
    this.current().postMessage(message)
  }

  deserialize(data: unknown): unknown {
    return data
  }

  async start(): Promise<void> {
    if (this.thread) return
    const idle = parked.threads.get(this.key) ?? []
    let thread = idle.pop()
    while (thread && thread.threadId === -1) thread = idle.pop()
    if (!thread) {
      thread = new Worker(ENTRY, { env: this.options.env, execArgv: this.options.execArgv, stdout: true, stderr: true })
      // a parked thread that dies leaves the pool
      const born = thread
      born.once('exit', () => {
        const list = parked.threads.get(this.key)
        if (list?.includes(born)) list.splice(list.indexOf(born), 1)
      })
    }
    thread.ref()
    this.thread = thread
    thread.on('message', this.watchStop)
    // as Vitest's own pool: one more pipe into the run's output streams
    for (const [from, to] of [
      [thread.stdout, this.stdout],
      [thread.stderr, this.stderr],
    ] as const) {
      if ('setMaxListeners' in to) (to as NodeJS.EventEmitter).setMaxListeners((to as NodeJS.EventEmitter).getMaxListeners() + 1)
      from.pipe(to)
    }
  }

  async stop(): Promise<void> {
    const thread = this.thread
    if (!thread) return
    this.thread = undefined
    thread.off('message', this.watchStop)
    for (const [event, callback] of this.listeners) thread.off(event, callback)
    this.listeners = []
    for (const [from, to] of [
      [thread.stdout, this.stdout],
      [thread.stderr, this.stderr],
    ] as const) {
      from.unpipe(to)
      if ('setMaxListeners' in to) (to as NodeJS.EventEmitter).setMaxListeners(Math.max(0, (to as NodeJS.EventEmitter).getMaxListeners() - 1))
    }
    const idle = parked.threads.get(this.key) ?? []
    if (this.stoppedCleanly && thread.threadId !== -1 && idle.length < this.maxParked) {
      this.stoppedCleanly = false
      thread.unref()
      idle.push(thread)
      parked.threads.set(this.key, idle)
      return
    }
    await thread.terminate().catch(() => 0)
  }

  private readonly watchStop = (message: unknown): void => {
    const response = message as { type?: string; error?: unknown; __vitest_worker_response__?: boolean }
    if (response?.__vitest_worker_response__ && response.type === 'stopped' && !response.error) this.stoppedCleanly = true
  }

  private current(): Worker {
    if (!this.thread) throw new Error('prodcheck: the kept worker thread was used after its stop')
    return this.thread
  }
}
