/**
 * `npm run bench`: every benchmark, one after the other, each printing its ratios (measured
 * in one run, on a shared and noisy machine: ratios, not absolute times) with the targets
 * beside them. `npm run bench -- --write` also records the run in bench/RESULTS.md.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus } from 'node:os'
import { join } from 'node:path'
import { benchColdStart } from './coldstart.ts'
import { benchConcurrency, concurrencyTable } from './concurrency.ts'
import { benchCost, costTable } from './cost.ts'
import { benchOverhead, overheadTable } from './overhead.ts'
import { benchServe, serveTable } from './serve.ts'
import { ROOT } from './workspace.ts'

/** Where the sections written by hand begin in bench/RESULTS.md: `--write` keeps them. */
const BY_HAND = '<!-- measured by hand: npm run bench -- --write keeps what follows -->'

const sections: string[] = []
const verdicts: string[] = []

function verdict(name: string, value: number, target: number, goal?: number): void {
  const met = value <= target ? 'met' : 'MISSED'
  verdicts.push(`- ${name}: ${value.toFixed(2)}× (target ≤ ${target}×${goal ? `, goal ${goal}×` : ''}): ${met}`)
}

const overhead = await benchOverhead()
sections.push(
  `## Overhead per check\n\nThe raw client doing the same work (a new connection, the request, the answer, the close) against the matcher, one op each in turn, ${process.env.BENCH_OVERHEAD_ITERATIONS ?? 200} times, against local servers.\n\n${overheadTable(overhead)}\n\nWhat a check adds is fixed: the deadline and its abort plumbing, input validation, redaction of what is kept, the result. Against loopback servers answering in well under a millisecond it shows as a ratio; against a network round trip of a millisecond or more it vanishes in it.`,
)
for (const row of overhead) {
  verdicts.push(`- overhead, ${row.client}: +${row.addedMs.toFixed(2)} ms per check (target ≤ 1 ms): ${row.addedMs <= 1 ? 'met' : 'MISSED'}`)
  verdict(`overhead ratio, ${row.client}`, row.ratio, 1.1)
}

const cold = await benchColdStart()
sections.push(
  `## Cold start\n\n\`vitest run --project prod\` with one HTTP check, against \`vitest run\` of one trivial test in the same workspace (median of ${process.env.BENCH_COLD_RUNS ?? 7} interleaved runs): ${Math.round(cold.checkMs)} ms against ${Math.round(cold.trivialMs)} ms.`,
)
verdict('cold start, one check ÷ one trivial test', cold.ratio, 1.3)

const concurrency = await benchConcurrency()
sections.push(
  `## Concurrency\n\nN checks of a local endpoint answering after 100 ms, each case a whole \`vitest run --project prod\` process (median of ${process.env.BENCH_RUNS ?? 3} runs). "Vitest alone" is the same layout with tests that only wait 100 ms: the floor of the framework.\n\n${concurrencyTable(concurrency)}`,
)
const spread = concurrency.find((r) => r.kind === 'checks' && r.checks === 200 && r.files === 10)
const floor = concurrency.find((r) => r.kind === 'sleeps')
if (spread) verdict('concurrency, 200 checks over 10 files ÷ 1 check', spread.wallRatio, 1.5, 1.2)
if (spread && floor) {
  sections.push(
    `The same layout with no check at all costs ${floor.wallRatio.toFixed(2)}× the one-check run: Vitest's own per-file work (environment, collection, reporting) on ${availableParallelism()} cores, which no setting of the prod project removes. The 200 checks add ${((spread.wallRatio - floor.wallRatio) * 100).toFixed(0)} points on top of that floor. The ratio also moves with its denominator: making the one-check run faster (undici is loaded while Vitest collects the file) raises every ratio of this table while lowering every absolute time. Closing the rest needs fewer, larger check files, or Vitest's per-file cost to drop.`,
  )
}

const serve = await benchServe()
sections.push(
  `## prodcheck serve under load\n\nautocannon, 50 connections, ${process.env.BENCH_SERVE_SECONDS ?? 5} s per route, against \`prodcheck serve\` (interval 60 s) on the same machine.\n\n${serveTable(serve)}`,
)
const health = serve.rows.find((row) => row.route === '/health')
if (health)
  verdicts.push(
    `- serve /health: ${Math.round(health.requestsPerSecond)} requests/s, p99 ${health.p99Ms} ms (target ≥ 10000 requests/s): ${health.requestsPerSecond >= 10_000 ? 'met' : 'MISSED'}`,
  )
verdicts.push(
  `- serve: suite runs ${serve.runsBefore} before and ${serve.runsAfter} after ${serve.requests} requests (requests never start a run): ${serve.runsAfter === serve.runsBefore ? 'met' : 'MISSED'}`,
)

const cost = await benchCost()
const costReport = costTable(cost)
sections.push(
  `## Cost beside blackbox_exporter\n\n\`npm run bench:cost\` (bench/cost.ts): 200 HTTP checks of a local endpoint answering after 100 ms, and 200 TCP connects, over 10 files; blackbox_exporter ${cost.blackbox ? '(Debian package) probing the same, 200 at once' : 'not installed: no side-by-side figures'}; \`prodcheck serve\` every second, CPU per run from /proc (every thread); per check: (a run of 200 − a run of one) ÷ 199.\n\n${costReport.text}`,
)
verdicts.push(...costReport.verdicts)

const report = [
  '# Benchmark results',
  '',
  `Recorded by \`npm run bench -- --write\` on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}).`,
  '',
  '## Verdicts',
  '',
  ...verdicts,
  '',
  ...sections.flatMap((s) => [s, '']),
].join('\n')

console.log(report)
if (process.argv.includes('--write')) {
  // the sections measured by hand (the soak, the profile) stay as they are
  const file = join(ROOT, 'bench/RESULTS.md')
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : ''
  const kept = previous.indexOf(BY_HAND)
  writeFileSync(file, kept === -1 ? report : `${report}\n${previous.slice(kept)}`)
}
