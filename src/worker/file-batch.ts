/**
 * The files of a run that one worker thread runs at the same time (`worker/kept-worker.ts`),
 * kept to what Vitest's runner allows: it holds the current suite and the current test in state
 * of its module, and its snapshot client for the whole thread. So the files of a batch are
 * collected one at a time, none starts running until all are collected (a test declared while
 * another runs is refused), and the snapshot states are cleared once the last file is done.
 *
 * The prod runner (`worker/runner.ts`) calls the hooks; outside a batch (`prodcheck run`, the
 * first run of a thread) they only keep collections one at a time, which Vitest already does.
 * The state lives on `globalThis`: the runner may be a module of Vitest's module runner and the
 * kept worker a module of Node's, two instances of this file in one thread.
 *
 * @module
 */

const STATE = Symbol.for('prodcheck.file-batch')

interface Batch {
  /** Files not yet collected (or given up). */
  waiting: Set<string>
  /** Files not yet done. */
  running: Set<string>
  /** Opens once every file is collected. */
  collected: Promise<void>
  open: () => void
}

interface State {
  /** Settles when the last collection turn asked for is given back. */
  tail: Promise<void>
  /** The release of each turn asked for, by key. */
  held: Map<string, () => void>
  batch: Batch | undefined
}

function state(): State {
  const holder = globalThis as { [STATE]?: State }
  holder[STATE] ??= { tail: Promise.resolve(), held: new Map(), batch: undefined }
  return holder[STATE]
}

/**
 * Starts a batch: `files` will run at the same time.
 *
 * @example
 * beginBatch(files.map((file) => file.filepath))
 */
export function beginBatch(files: string[]): void {
  let open = (): void => {}
  const collected = new Promise<void>((resolve) => {
    open = resolve
  })
  state().batch = { waiting: new Set(files), running: new Set(files), collected, open }
}

/**
 * Ends the batch (every file has settled).
 *
 * @example
 * endBatch()
 */
export function endBatch(): void {
  state().batch?.open()
  state().batch = undefined
}

/**
 * Waits for the turn to collect (`key`: the files about to be collected), once every
 * collection that asked before has been given back.
 *
 * @example
 * await takeCollectTurn(paths.join('\n'))
 */
export async function takeCollectTurn(key: string): Promise<void> {
  const current = state()
  const before = current.tail
  let release = (): void => {}
  current.tail = new Promise<void>((resolve) => {
    release = resolve
  })
  current.held.get(key)?.()
  current.held.set(key, release)
  await before
}

/**
 * Gives the turn of `key` back (nothing if it holds none).
 *
 * @example
 * giveCollectTurnBack(paths.join('\n'))
 */
export function giveCollectTurnBack(key: string): void {
  const current = state()
  const release = current.held.get(key)
  current.held.delete(key)
  release?.()
}

/**
 * Marks `files` collected (or given up), and waits until every file of the batch is: then the
 * tests of all may run.
 *
 * @example
 * await collectedAll([file.filepath])
 */
export async function collectedAll(files: string[]): Promise<void> {
  const batch = state().batch
  if (!batch) return
  for (const file of files) batch.waiting.delete(file)
  if (batch.waiting.size === 0) batch.open()
  await batch.collected
}

/**
 * Marks `files` done; true when no file of the batch is still running (or there is no batch):
 * the thread-wide states may be cleared.
 *
 * @example
 * if (lastDone([file.filepath])) snapshotClient.clear()
 */
export function lastDone(files: string[]): boolean {
  const batch = state().batch
  if (!batch) return true
  for (const file of files) batch.running.delete(file)
  return batch.running.size === 0
}
