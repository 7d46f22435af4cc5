/**
 * The entry of a worker thread that `prodcheck serve` keeps from one run to the next
 * (`node/kept-workers.ts`): Vitest's own thread worker (`vitest/worker`, experimental API),
 * armed again after each `stop`, so that the thread, and with it Node's module cache (Vitest's
 * runtime, undici and its HTTP parser, prodcheck, the drivers), outlives the run. A run still
 * sets its environment up and tears it down, and evaluates the check files anew.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads'
import { init, runBaseTests, setupEnvironment } from 'vitest/worker'

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
    runTests: (state, traces) => runBaseTests('run', state, traces),
    collectTests: (state, traces) => runBaseTests('collect', state, traces),
    setup: setupEnvironment,
  })
}

arm()
