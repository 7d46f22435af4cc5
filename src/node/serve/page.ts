/**
 * The status page of `prodcheck serve` (GET /): server-rendered HTML, no script, no external
 * resource (its CSP is `default-src 'none'; style-src 'unsafe-inline'`), readable on a phone,
 * refreshing itself.
 *
 * Checks are grouped by file, in the order of the run. Each shows its status, its cause when
 * it fails or is degraded, and, when `serve` keeps a history, a strip of its last results
 * (CSS boxes coloured by status, the time and latency of each on hover), the latency of its
 * last runs (a sparkline and its range), its uptime and flaps over the window, and its last
 * failure with its cause. The links "failing", "degraded", "passing" filter the checks by
 * status with CSS `:target` only (`/#fail`). The filter lasts until the page refreshes itself:
 * a refresh to the same URL with a #fragment would not reload the page (HTML navigates to the
 * fragment instead), so the page refreshes to its URL without one (`url=?`) and shows every
 * check again. Keeping the filter across refreshes needs the server: `?status=fail`.
 *
 * Times are shown relative ("3 min ago"), the absolute time (UTC) on hover and in `<time
 * datetime>`. They are relative to when the page was rendered: the server renders it whenever
 * it refreshes what it serves (when a run ends), and the page reloads itself every interval;
 * the page says when it was rendered.
 *
 * @module
 */
import { formatMs, plural } from '../../core/text.ts'
import type { HistoryEntry } from './history.ts'
import type { CachedCheck, Snapshot } from './scheduler.ts'

type Shown = 'pass' | 'warn' | 'fail'

const COLORS: Readonly<Record<Shown, string>> = { pass: '#1a7f37', warn: '#9a6700', fail: '#cf222e' }
/** The filters, in the order of the links. */
const FILTERS: ReadonlyArray<{ status: Shown; link: string; none: string }> = [
  { status: 'fail', link: 'failing', none: 'no check is failing' },
  { status: 'warn', link: 'degraded', none: 'no check is degraded' },
  { status: 'pass', link: 'passing', none: 'no check is passing' },
]
/** Results in a check's strip and sparkline, at most (uptime and flaps count the whole window). */
export const STRIP_RESULTS = 60

/**
 * Renders the page for a snapshot, its times relative to `now` (ms since the epoch).
 *
 * @example
 * response.end(renderPage(scheduler.snapshot, 30_000))
 */
export function renderPage(snapshot: Snapshot, intervalMs: number, title = 'prodcheck', now = Date.now()): string {
  const count = (status: Shown): number => snapshot.checks.filter((c) => c.status === status).length
  const failed = count('fail')
  const degraded = count('warn')
  const overall: Shown =
    snapshot.runs === 0 ? 'warn' : failed > 0 || snapshot.errors.length > 0 || snapshot.stale ? 'fail' : degraded > 0 ? 'warn' : 'pass'
  const headline =
    snapshot.runs === 0
      ? 'waiting for the first run'
      : failed > 0
        ? `${failed} of ${plural(snapshot.checks.length, 'check')} failing`
        : `${plural(snapshot.checks.length, 'check')} passing${degraded ? `, ${degraded} degraded` : ''}`
  const refresh = Math.max(5, Math.round(intervalMs / 1000))
  const at = (iso: string | undefined): string => (iso ? timeTag(iso, now) : '')
  const lastRun = snapshot.finishedAt ? `last run ${at(snapshot.finishedAt)} (${formatMs(snapshot.durationMs ?? 0)})` : 'no run completed yet'
  const alerts = [...snapshot.errors, ...(snapshot.stale ? [`stale: ${snapshot.stale}`] : [])]
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${refresh}; url=?">
<title>${html(title)}: ${html(headline)}</title>
<style>${STYLE}</style>
</head>
<body>
${FILTERS.map(({ status }) => `<i id="${status}" class="target" hidden></i>`).join('')}
<h1>${html(title)} <span class="overall" style="background:${COLORS[overall]}" data-status="${overall}">${html(headline)}</span></h1>
<p class="meta">${lastRun}${snapshot.running ? ' · running now' : ''} · every ${every(intervalMs)} · rendered ${absoluteTag(new Date(now).toISOString())}, times are relative to then; refreshes every ${refresh} s</p>
${alerts.map((e) => `<p class="why" role="alert">${html(e)}</p>`).join('\n')}${diagnosisLine(snapshot, now)}
<nav class="filter" aria-label="filter by status">show <a href="#all" class="all">all ${snapshot.checks.length}</a>${FILTERS.map(({ status, link }) => ` <a href="#${status}" class="${status}">${link} ${count(status)}</a>`).join('')}</nav>
<main>
${FILTERS.filter(({ status }) => count(status) === 0)
  .map(({ status, none }) => `<p class="none" data-none="${status}">${none}</p>`)
  .join('\n')}
${groupByFile(snapshot.checks)
  .map(([file, checks]) => section(file, checks, now))
  .join('\n')}
</main>
</body>
</html>
`
}

const STYLE = `
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; padding: 1rem; color: #1f2328; background: #fff; }
  h1 { font-size: 1.2rem; margin: 0 0 .25rem; }
  h2 { font-size: .9rem; margin: 1.25rem 0 .25rem; overflow-wrap: anywhere; }
  h2 .counts { color: #59636e; font-weight: 400; }
  .overall { display: inline-block; padding: .1rem .6rem; border-radius: 1rem; color: #fff; font-weight: 600; }
  .meta, .diagnosis { color: #59636e; font-size: .85rem; margin: .25rem 0 .5rem; }
  .filter { font-size: .85rem; margin: .5rem 0; }
  .filter a { display: inline-block; padding: .1rem .5rem; border: 1px solid #d1d9e0; border-radius: 1rem; color: inherit; text-decoration: none; margin: .1rem 0; }
  .filter a.all { border-color: #59636e; font-weight: 600; }
  .target:target ~ .filter a.all { border-color: #d1d9e0; font-weight: 400; }
  #fail:target ~ .filter a.fail, #warn:target ~ .filter a.warn, #pass:target ~ .filter a.pass { border-color: #59636e; font-weight: 600; }
  #fail:target ~ main tr.check:not([data-status="fail"]), #warn:target ~ main tr.check:not([data-status="warn"]),
  #pass:target ~ main tr.check:not([data-status="pass"]) { display: none; }
  #fail:target ~ main section:not(:has(tr[data-status="fail"])), #warn:target ~ main section:not(:has(tr[data-status="warn"])),
  #pass:target ~ main section:not(:has(tr[data-status="pass"])) { display: none; }
  .none { display: none; color: #59636e; }
  #fail:target ~ main .none[data-none="fail"], #warn:target ~ main .none[data-none="warn"], #pass:target ~ main .none[data-none="pass"] { display: block; }
  table { border-collapse: collapse; width: 100%; table-layout: fixed; }
  th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid #d1d9e0; vertical-align: top; }
  th { font-size: .8rem; color: #59636e; font-weight: 600; }
  th.status-col { width: 3.2rem; } th.tier { width: 5.5rem; } th.latency { width: 6.5rem; }
  td.latency { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
  .status { font-weight: 700; color: #fff; border-radius: .25rem; padding: .05rem .4rem; font-size: .8rem; }
  .target-name, .facts, .range { color: #59636e; font-size: .8rem; overflow-wrap: anywhere; }
  .why { color: #59636e; font-size: .8rem; white-space: pre-wrap; overflow-wrap: anywhere; margin: .25rem 0 0; }
  .strip { display: flex; gap: 1px; height: .85rem; margin: .3rem 0 .15rem; max-width: 36rem; }
  .strip i { flex: 1 1 0; min-width: 1px; max-width: .6rem; border-radius: 1px; }
  .strip .pass { background: ${COLORS.pass}; } .strip .warn { background: ${COLORS.warn}; } .strip .fail { background: ${COLORS.fail}; }
  .spark { display: block; width: 100%; height: 1.1rem; margin-top: .2rem; color: #59636e; }
  .last-failure { font-size: .8rem; color: #59636e; margin-top: .2rem; }
  .last-failure summary { cursor: pointer; }
  time[title] { text-decoration: underline dotted; }
  @media (max-width: 640px) {
    body { padding: .6rem; }
    .tier { display: none; }
    th.latency { width: 4.8rem; }
    th, td { padding: .4rem .3rem; }
  }
`

function groupByFile(checks: readonly CachedCheck[]): Array<[string, CachedCheck[]]> {
  const files = new Map<string, CachedCheck[]>()
  // the order of the run (files in the order of their paths), as every other output
  for (const check of checks) files.set(check.file, [...(files.get(check.file) ?? []), check])
  return [...files]
}

function section(file: string, checks: readonly CachedCheck[], now: number): string {
  const counts = FILTERS.map(({ status }) => [status, checks.filter((c) => c.status === status).length] as const)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(' · ')
  return `<section class="file" data-file="${html(file)}">
<h2>${html(file)} <span class="counts">${counts}</span></h2>
<table>
<thead><tr><th class="status-col">status</th><th>check</th><th class="tier">tier</th><th class="latency">latency</th></tr></thead>
<tbody>
${checks.map((check) => row(check, now)).join('\n')}
</tbody>
</table>
</section>`
}

function row(check: CachedCheck, now: number): string {
  const color = COLORS[check.status as Shown] ?? COLORS.warn
  const target = check.checks.map((c) => c.target).join(', ')
  const why = check.cause.length > 0 && check.status !== 'pass' ? `<div class="why">${html(check.cause.join('\n'))}</div>` : ''
  const history = check.history ?? []
  const facts = [
    `${check.status} since ${timeTag(check.lastChange, now)}`,
    ...(check.uptime !== undefined ? [`${percent(check.uptime)} up`] : []),
    ...(check.flaps !== undefined ? [plural(check.flaps, 'flap')] : []),
    ...(history.length > 0 ? [`over the last ${history.length === 1 ? 'run' : `${history.length} runs`}`] : []),
  ].join(' · ')
  // the last failure, when the check does not fail now (its cause is above when it does)
  const lastFailure =
    check.lastFailure && check.status !== 'fail'
      ? `<details class="last-failure"><summary>last failed ${timeTag(check.lastFailure.time, now)}</summary><div class="why">${html(check.lastFailure.cause.join('\n'))}</div></details>`
      : ''
  // the key: checks of the same name are told apart by their file, as in every other output
  return `<tr data-status="${check.status}" class="check"><td><span class="status" style="background:${color}">${check.status}</span></td><td>${html(check.key)}${target ? `<div class="target-name">${html(target)}</div>` : ''}${strip(history)}<div class="facts">${facts}</div>${why}${lastFailure}</td><td class="tier">${check.tier}</td><td class="latency">${check.timed ? formatMs(check.latencyMs) : '—'}${sparkline(history)}</td></tr>`
}

/** The last results as boxes, oldest first, each with its status, latency and time on hover. */
function strip(history: readonly HistoryEntry[]): string {
  if (history.length === 0) return ''
  const shown = history.slice(-STRIP_RESULTS)
  const counts = FILTERS.map(({ status }) => [status, shown.filter((e) => e.status === status).length] as const)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ')
  const boxes = shown
    .map(
      (e) =>
        `<i class="${e.status}" title="${e.status}${e.latencyMs === undefined ? '' : ` · ${formatMs(e.latencyMs)}`} · ${html(absolute(e.time))}"></i>`,
    )
    .join('')
  return `<div class="strip" role="img" aria-label="${shown.length === 1 ? 'the last result' : `the last ${shown.length} results, oldest first`}: ${counts}">${boxes}</div>`
}

/** The latency of the last timed runs as a line, and its range. */
function sparkline(history: readonly HistoryEntry[]): string {
  const values = history
    .slice(-STRIP_RESULTS)
    .map((e) => e.latencyMs)
    .filter((ms): ms is number => ms !== undefined)
  if (values.length < 2) return ''
  const min = Math.min(...values)
  const max = Math.max(...values)
  const sorted = [...values].sort((a, b) => a - b)
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0
  const span = max - min || 1
  const points = values.map((ms, i) => `${i},${(18 - ((ms - min) / span) * 16).toFixed(1)}`).join(' ')
  const label = `latency of the last ${values.length} runs: ${formatMs(min)} to ${formatMs(max)}, median ${formatMs(median)}`
  return `<svg class="spark" viewBox="0 0 ${values.length - 1} 20" preserveAspectRatio="none" role="img" aria-label="${label}"><title>${label}</title><polyline points="${points}" fill="none" stroke="currentColor" stroke-width="1.5" vector-effect="non-scaling-stroke"/></svg><div class="range">${formatRange(min, max)}</div>`
}

function formatRange(min: number, max: number): string {
  const [low, high] = [formatMs(min), formatMs(max)]
  return low === high ? low : `${low.replace(/ ms$/, '')}–${high}`
}

function diagnosisLine(snapshot: Snapshot, now: number): string {
  const diagnosis = snapshot.diagnosis
  if (!diagnosis) return ''
  const ran = diagnosis.finishedAt ? `the diagnostic checks below ran ${timeTag(diagnosis.finishedAt, now)}` : 'the diagnostic checks are running'
  return `\n<p class="diagnosis">diagnosis of ${html(diagnosis.failed.join(', '))}, failed ${timeTag(diagnosis.at, now)}: ${ran}</p>`
}

/** `<time>` with the time relative to `now`, the absolute one on hover. */
function timeTag(iso: string, now: number): string {
  const ms = Date.parse(iso)
  if (!Number.isFinite(ms)) return html(iso)
  return `<time datetime="${html(iso)}" title="${html(absolute(iso))}">${ago(now - ms)}</time>`
}

function absoluteTag(iso: string): string {
  return `<time datetime="${html(iso)}">${html(absolute(iso))}</time>`
}

/** `2026-01-01 00:00:01 UTC` */
function absolute(iso: string): string {
  const ms = Date.parse(iso)
  return Number.isFinite(ms) ? `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC` : iso
}

/** How long ago, in the unit a person would say: `just now`, `40 s ago`, `3 min ago`, `5 h ago`, `2 days ago`. */
function ago(ms: number): string {
  const seconds = Math.round(ms / 1000)
  if (seconds < 5) return 'just now'
  if (seconds < 60) return `${seconds} s ago`
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes} min ago`
  const hours = Math.round(seconds / 3600)
  if (hours < 48) return `${hours} h ago`
  return `${Math.round(seconds / 86_400)} days ago`
}

/** A share as a percentage rounded down (99.99% is never shown as 100%). */
function percent(share: number): string {
  // the uptime is on a grid of 0.0001: from integers, no float rounds up
  return `${Math.floor(Math.round(share * 10_000) / 10) / 10}%`
}

function every(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : formatMs(ms)
}

function html(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&${({ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": '#39' } as Record<string, string>)[c]};`)
}
