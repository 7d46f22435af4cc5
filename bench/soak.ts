/**
 * `prodcheck serve` over a long life: the built CLI, installed as a user installs it, with both
 * tiers every 100 ms, for at least `SOAK_RUNS` runs (default 2,000). Its resident set and open
 * file descriptors are read from /proc at run 100 (after warm-up) and at the end: they must stay
 * flat. Its stderr must hold no listener warning. Prints one line a sample and the growth.
 *
 * Run: `npm run build && npx tsx bench/soak.ts` (minutes).
 */
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { CLI, installBuild, startApi, writeServeProject } from './workspace.ts'

/** One reading of the serve process. */
export interface SoakSample {
  runs: number
  rssMiB: number
  fds: number
}

/** What the soak saw. */
export interface Soak {
  samples: SoakSample[]
  /** Growth between the warm sample and the last one. */
  rssGrowthMiB: number
  fdGrowth: number
  /** Lines of stderr that warn about listeners (MaxListenersExceededWarning). */
  listenerWarnings: string[]
  seconds: number
}

const RUNS = Number(process.env.SOAK_RUNS ?? 2000)
const WARM = 100

/**
 * Runs the soak and returns its figures.
 *
 * @example
 * const soak = await benchSoak() // { rssGrowthMiB: 3.1, fdGrowth: 0, … }
 */
export async function benchSoak(): Promise<Soak> {
  installBuild()
  const dir = writeServeProject('soak')
  const { server: api, url: apiUrl } = await startApi()
  const started = performance.now()
  const serve = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--interval', '100ms', '--diagnostic-interval', '100ms'], {
    cwd: dir,
    env: { ...process.env, API_URL: apiUrl },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  let runs = 0
  const samples: SoakSample[] = []
  const sample = (): SoakSample => {
    const status = readFileSync(`/proc/${serve.pid}/status`, 'utf8')
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
    return { runs, rssMiB: Math.round((rssKb / 1024) * 10) / 10, fds: readdirSync(`/proc/${serve.pid}/fd`).length }
  }
  try {
    await new Promise<void>((done, fail) => {
      serve.on('exit', (code) => fail(new Error(`serve exited with ${code}: ${stderr.slice(-2000)}`)))
      serve.stderr.on('data', (chunk: Buffer) => {
        const text = chunk.toString()
        stderr = `${stderr}${text}`.slice(-200_000)
        for (const _ of text.matchAll(/(smoke|diagnostic) run \d+:/g)) {
          runs++
          if (runs === WARM || runs % Number(process.env.SOAK_EVERY ?? 500) === 0 || runs === RUNS) {
            samples.push(sample())
            console.log(`runs ${runs}: RSS ${samples.at(-1)?.rssMiB} MiB, ${samples.at(-1)?.fds} open fds`)
          }
          if (runs >= RUNS) done()
        }
      })
    })
  } finally {
    serve.kill('SIGTERM')
    api.close()
  }
  const warm = samples[0] as SoakSample
  const last = samples.at(-1) as SoakSample
  return {
    samples,
    rssGrowthMiB: Math.round((last.rssMiB - warm.rssMiB) * 10) / 10,
    fdGrowth: last.fds - warm.fds,
    listenerWarnings: stderr.split('\n').filter((line) => /MaxListenersExceeded|listeners added/.test(line)),
    seconds: Math.round((performance.now() - started) / 1000),
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const soak = await benchSoak()
  console.log(
    `${RUNS} runs in ${soak.seconds} s: RSS ${soak.rssGrowthMiB >= 0 ? '+' : ''}${soak.rssGrowthMiB} MiB, open fds ${soak.fdGrowth >= 0 ? '+' : ''}${soak.fdGrowth} from run ${WARM} to run ${RUNS}; listener warnings: ${soak.listenerWarnings.length}`,
  )
}
