/**
 * The entry of a worker thread that `prodcheck serve` keeps from one run to the next
 * (`node/kept-workers.ts`): Vitest's own thread worker (`vitest/worker`, experimental API),
 * armed again after each `stop`, so that the thread, and with it Node's module cache (Vitest's
 * runtime, undici and its HTTP parser, prodcheck, the drivers), outlives the run. A run still
 * sets its environment up and tears it down, and evaluates the check files anew.
 *
 * Vitest's worker keeps what a run registers with `onCancel` and `onCleanup` in lists of its
 * module that it never empties, since its thread ends with the run: in a kept thread they held
 * every run's test runner and config, some 12 KB a run, for ever (a sidecar running every second
 * would grow by 1 GB a day). Here each run registers into lists of its own, which one forwarder
 * (registered once per thread) calls and then lets go of.
 *
 * Vitest gives one thread all the files of a run (serve sets `maxWorkers: 1`), and runs them one
 * after another; this worker runs them at the same time, as a run's checks within a file run, so
 * that a run takes about as long as its slowest file instead of the sum of its files. Files are
 * still collected one at a time, and all before any runs (file-batch.ts). The first run of a
 * thread goes one file after another, while Vitest sets the thread up.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads'
import { init, runBaseTests, setupEnvironment } from 'vitest/worker'
import { beginBatch, collectedAll, endBatch, giveCollectTurnBack, lastDone } from './file-batch.ts'
import { redactWorkerReports } from './report-redaction.ts'

if (!parentPort) throw new Error('prodcheck: kept-worker.js runs in a worker thread only')
const port = parentPort

function arm(): void {
  init({
    post: (response) => port.postMessage(response),
    on: (callback) => port.on('message', callback),
    off: (callback) => port.off('message', callback),
    // Vitest's own worker ends here; this one listens again for the next run's `start`
    teardown: () => {
      port.removeAllListeners('message')
      arm()
    },
    runTests: (state, traces) => runFiles(ownLists(state), traces),
    collectTests: (state, traces) => runBaseTests('collect', ownLists(state), traces),
    setup: setupEnvironment,
  })
}

type WorkerState = Parameters<typeof runBaseTests>[1]
type CancelListener = Parameters<WorkerState['onCancel']>[0]
type CleanupListener = Parameters<WorkerState['onCleanup']>[0]

let warm = false
/** The prod project's runner, as `defineProdProject` sets it from the built package. */
const PROD_RUNNER = /[\\/]worker[\\/]runner\.js$/

/** Runs the files of a run at the same time (once the thread is warm), each with a state of its own. */
async function runFiles(state: WorkerState, traces: Parameters<typeof runBaseTests>[2]): Promise<void> {
  const files = state.ctx.files
  // the prod runner keeps the files of a batch in order (file-batch.ts): with another, one by one
  const ours = PROD_RUNNER.test(state.config.runner ?? '')
  if (!warm || files.length < 2 || !ours) {
    try {
      await runBaseTests('run', state, traces)
    } finally {
      warm = true
    }
    return
  }
  // every file's state reports through the one redacted channel (report-redaction.ts)
  redactWorkerReports({ __vitest_worker__: state })
  beginBatch(files.map((file) => file.filepath))
  try {
    await Promise.all(
      files.map(async (file) => {
        try {
          await runBaseTests('run', { ...state, ctx: { ...state.ctx, files: [file] } }, traces)
        } finally {
          // a file that threw before its tests ran holds the others back no longer
          giveCollectTurnBack(file.filepath)
          void collectedAll([file.filepath])
          lastDone([file.filepath])
        }
      }),
    )
  } finally {
    endBatch()
  }
}

/** What the current run registered; emptied when the run is cleaned up (at `stop`). */
const current = { cancel: new Set<CancelListener>(), cleanup: new Set<CleanupListener>() }
let forwarding = false

/** The run's state, whose `onCancel` and `onCleanup` register into {@link current}. */
function ownLists(state: WorkerState): WorkerState {
  if (!forwarding) {
    forwarding = true
    state.onCancel((reason) => Promise.all([...current.cancel].map((listener) => listener(reason))))
    state.onCleanup(async () => {
      const listeners = [...current.cleanup]
      current.cleanup.clear()
      current.cancel.clear()
      await Promise.all(listeners.map((listener) => listener()))
    })
  }
  // (Vitest 5 takes back what it registered: both return the way to)
  state.onCancel = (listener) => {
    current.cancel.add(listener)
    return () => current.cancel.delete(listener)
  }
  state.onCleanup = (listener) => {
    current.cleanup.add(listener)
    return () => current.cleanup.delete(listener)
  }
  return state
}

arm()
