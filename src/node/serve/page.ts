/**
 * The status page of `prodcheck serve` (GET /): server-rendered HTML, no script, readable
 * on a phone, refreshing itself: one row per check, green / amber / red, latency, when its
 * status last changed, and when the suite last ran.
 *
 * @module
 */
import { formatMs } from '../../core/text.ts'
import type { CachedCheck, Snapshot } from './scheduler.ts'

const COLORS = { pass: '#1a7f37', warn: '#9a6700', fail: '#cf222e' } as const

/**
 * Renders the page for a snapshot.
 *
 * @example
 * response.end(renderPage(scheduler.snapshot, 30_000))
 */
export function renderPage(snapshot: Snapshot, intervalMs: number, title = 'prodcheck'): string {
  const failed = snapshot.checks.filter((c) => c.status === 'fail').length
  const degraded = snapshot.checks.filter((c) => c.status === 'warn').length
  const overall = snapshot.runs === 0 ? 'warn' : failed > 0 || snapshot.errors.length > 0 ? 'fail' : degraded > 0 ? 'warn' : 'pass'
  const headline =
    snapshot.runs === 0
      ? 'waiting for the first run'
      : failed > 0
        ? `${failed} of ${snapshot.checks.length} checks failing`
        : `${snapshot.checks.length} checks passing${degraded ? `, ${degraded} degraded` : ''}`
  // the order of the run, as every other output
  const rows = snapshot.checks.map(row).join('\n')
  const refresh = Math.max(5, Math.round(intervalMs / 1000))
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${refresh}">
<title>${html(title)}: ${html(headline)}</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; padding: 1rem; color: #1f2328; background: #fff; }
  h1 { font-size: 1.2rem; margin: 0 0 .25rem; }
  .overall { display: inline-block; padding: .1rem .6rem; border-radius: 1rem; color: #fff; font-weight: 600; }
  .meta { color: #59636e; font-size: .85rem; margin: .25rem 0 1rem; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid #d1d9e0; vertical-align: top; }
  th { font-size: .8rem; color: #59636e; font-weight: 600; }
  td.latency { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
  .status { font-weight: 700; color: #fff; border-radius: .25rem; padding: .05rem .4rem; font-size: .8rem; }
  .target { color: #59636e; font-size: .8rem; overflow-wrap: anywhere; }
  .why { color: #59636e; font-size: .8rem; white-space: pre-wrap; overflow-wrap: anywhere; margin-top: .25rem; }
  @media (max-width: 640px) { .tier, .changed { display: none; } }
</style>
</head>
<body>
<h1>${html(title)} <span class="overall" style="background:${COLORS[overall]}" data-status="${overall}">${html(headline)}</span></h1>
<p class="meta">${snapshot.finishedAt ? `last run ${html(snapshot.finishedAt)} (${formatMs(snapshot.durationMs ?? 0)})` : 'no run completed yet'}${snapshot.running ? ' · running now' : ''} · every ${every(intervalMs)} · page refreshes every ${refresh} s</p>
${snapshot.errors.map((e) => `<p class="why" role="alert">${html(e)}</p>`).join('\n')}
<table>
<thead><tr><th>status</th><th>check</th><th class="tier">tier</th><th class="latency">latency</th><th class="changed">since</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</body>
</html>
`
}

function row(check: CachedCheck): string {
  const color = COLORS[check.status as keyof typeof COLORS] ?? COLORS.warn
  const target = check.checks.map((c) => c.target).join(', ')
  const why = check.cause.length > 0 && check.status !== 'pass' ? `<div class="why">${html(check.cause.join('\n'))}</div>` : ''
  // the key: checks of the same name are told apart by their file, as in every other output
  return `<tr data-status="${check.status}"><td><span class="status" style="background:${color}">${check.status}</span></td><td>${html(check.key)}${target ? `<div class="target">${html(target)}</div>` : ''}${why}</td><td class="tier">${check.tier}</td><td class="latency">${check.timed ? formatMs(check.latencyMs) : '—'}</td><td class="changed">${html(check.lastChange)}</td></tr>`
}

function every(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : formatMs(ms)
}

function html(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&${({ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": '#39' } as Record<string, string>)[c]};`)
}
