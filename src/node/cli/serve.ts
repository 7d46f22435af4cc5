/**
 * `prodcheck serve`: keeps a Vitest instance warm per tier, runs the smoke checks every
 * `--interval` and the diagnostic ones every `--diagnostic-interval` in the background (each
 * tier single flight; a smoke check that turns to fail runs the diagnostics at once), and
 * serves the cached results: /health, /diagnostics, /metrics and a status page. Binds
 * loopback by default; any other address needs a token.
 *
 * @module
 */
import { isIP } from 'node:net'
import { createHealthServer } from '../serve/server.ts'
import { createMetrics } from '../serve/metrics.ts'
import { type Diagnosis, mergeTiers, newlyFailed } from '../serve/monitor.ts'
import { Scheduler, type Snapshot } from '../serve/scheduler.ts'
import { DEFAULT_HISTORY, HistoryStore, MAX_HISTORY, readHistoryFile, writeHistoryFile } from '../serve/history.ts'
import type { Tier } from '../results.ts'
import { summaryLine } from '../reporter/table.ts'
import { redact, registerSecret } from '../../core/redact.ts'
import { plural } from '../../core/text.ts'
import { parseFlags } from './args.ts'
import { parseDuration } from './duration.ts'
import { KEEP_WORKERS_VARIABLE } from '../kept-workers.ts'
import { openSession, type Session } from '../session.ts'
import { UsageError } from './usage-error.ts'

export const SERVE_HELP = `Usage: prodcheck serve [file filters…] [options]

Runs the checks every interval in the background and serves the last results:
  GET /health        smoke checks, application/health+json, 200 or 503 (no token needed)
  GET /diagnostics   every check, with its messages
  GET /metrics       Prometheus metrics
  GET /              status page (with a token: a login form for people)

Options:
  --host <address>     address to bind (default: 127.0.0.1)
  --port <port>        port (default: 1515; 0 picks a free one)
  --interval <time>    pause between two runs of the smoke checks (default: 30s)
  --diagnostic-interval <time>
                       pause between two runs of the diagnostic checks (default: 5 × --interval);
                       a smoke check that turns from pass to fail runs them at once
  --token <token>      require Authorization: Bearer <token> (default: $PRODCHECK_TOKEN);
                       needed to bind anything but loopback; people log in at / with it
  --trust-proxy        behind a TLS-terminating reverse proxy: trust X-Forwarded-Proto (Secure
                       cookie), X-Forwarded-For (login backoff) and X-Forwarded-Host
  --session-ttl <time> how long a browser login lasts (default: 12h)
  --history <n>        results kept a check for /diagnostics and the page (default: 120)
  --state-file <path>  keep the history across restarts (written after each run)
  --label <key=value>  constant label on every metric (repeatable), e.g. --label env=prod
  --project <name>     Vitest project to run (default: prod)
  -h, --help           this help

A run that outlives its deadline (its longest check timeout, and as much again) is cancelled:
the checks it had not finished fail, and a Vitest that does not stop is replaced. Results no
run renewed for 3 intervals are stale: /health answers 503.
SIGTERM or SIGINT stop it: no new run, the current one is cancelled, exit within 5 s.`

const SHUTDOWN_LIMIT_MS = 4500
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/**
 * Runs `prodcheck serve` until SIGTERM / SIGINT; returns the exit code.
 *
 * @example
 * process.exitCode = await serveCommand(['--port', '9000', '--interval', '15s'])
 */
export async function serveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      host: { type: 'string' },
      port: { type: 'string' },
      interval: { type: 'string' },
      'diagnostic-interval': { type: 'string' },
      history: { type: 'string' },
      'state-file': { type: 'string' },
      token: { type: 'string' },
      'trust-proxy': { type: 'boolean' },
      'session-ttl': { type: 'string' },
      label: { type: 'string', multiple: true },
      project: { type: 'string' },
    },
    'serve',
  )
  if (values.help) {
    process.stdout.write(`${SERVE_HELP}\n`)
    return 0
  }
  const host = String(values.host ?? '127.0.0.1')
  const port = values.port === undefined ? 1515 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port takes a port number (0-65535), got ${JSON.stringify(values.port)}`)
  const intervalMs = parseDuration(String(values.interval ?? '30s'), '--interval')
  const diagnosticIntervalMs =
    values['diagnostic-interval'] === undefined ? 5 * intervalMs : parseDuration(String(values['diagnostic-interval']), '--diagnostic-interval')
  const token = (values.token as string | undefined) ?? process.env.PRODCHECK_TOKEN
  if (token !== undefined && token.length < 16) throw new UsageError('the token must be at least 16 characters long (e.g. openssl rand -hex 24)')
  if (token) registerSecret(token)
  if (!isLoopback(host) && !token) {
    throw new UsageError(
      `refusing to bind ${host} without a token: the results would be open to the network. Give --token or PRODCHECK_TOKEN (or bind 127.0.0.1)`,
    )
  }
  const labels = parseLabels((values.label as string[] | undefined) ?? [])
  const historyLimit = values.history === undefined ? DEFAULT_HISTORY : Number(values.history)
  if (!Number.isInteger(historyLimit) || historyLimit < 1 || historyLimit > MAX_HISTORY)
    throw new UsageError(`--history takes the number of results kept a check, 1 to ${MAX_HISTORY}, got ${JSON.stringify(values.history)}`)
  const stateFile = values['state-file'] as string | undefined
  const { history, warning } = stateFile ? await readHistoryFile(stateFile, historyLimit) : { history: new HistoryStore(historyLimit) }
  if (warning) log(warning)
  const sessionTtlMs = values['session-ttl'] === undefined ? undefined : parseDuration(String(values['session-ttl']), '--session-ttl')
  if (sessionTtlMs !== undefined && sessionTtlMs < 1000) throw new UsageError('--session-ttl must be at least 1s')

  const before = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') }
  const project = String(values.project ?? 'prod')
  // worker threads kept from one run to the next (node/kept-workers.ts; PRODCHECK_KEEP_WORKERS=0 turns it off)
  process.env[KEEP_WORKERS_VARIABLE] ??= '1'
  // a Vitest per tier: each runs at its own interval, and neither waits for the other
  const open = (tier: Tier): Promise<Session> => openSession({ project, filters: positionals, tier })
  const sessions = { smoke: await open('smoke'), diagnostic: await open('diagnostic') }
  // Vitest's logger exits at once on these signals: serve shuts down by itself, gracefully
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    for (const listener of process.listeners(signal)) if (!before[signal].includes(listener)) process.off(signal, listener)
  }
  const metrics = createMetrics(labels, intervalMs)
  const { server, refresh } = createHealthServer({ metrics, intervalMs, token, trustProxy: values['trust-proxy'] === true, sessionTtlMs })
  let diagnosis: Diagnosis | undefined
  let lastDiagnosis = Number.NEGATIVE_INFINITY
  const tiers = (): Snapshot =>
    mergeTiers(
      [
        { tier: 'smoke', snapshot: schedulers.smoke.snapshot, intervalMs },
        { tier: 'diagnostic', snapshot: schedulers.diagnostic.snapshot, intervalMs: diagnosticIntervalMs },
      ],
      Date.now(),
      diagnosis,
    )
  // what the endpoints serve: the tiers merged, each check with its history
  const view = (): Snapshot => {
    const snapshot = tiers()
    return { ...snapshot, checks: history.annotate(snapshot.checks) }
  }
  const tierScheduler = (tier: Tier, everyMs: number): Scheduler => {
    let previous: Snapshot | undefined
    return new Scheduler(
      sessions[tier],
      everyMs,
      async (snapshot) => {
        if (tier === 'smoke' && previous) {
          // a smoke check turned to fail: diagnose now, at most once per smoke interval
          const failed = newlyFailed(previous, snapshot)
          if (failed.length > 0 && Date.now() - lastDiagnosis >= intervalMs) {
            lastDiagnosis = Date.now()
            diagnosis = { failed, at: snapshot.finishedAt ?? new Date().toISOString() }
            log(`smoke checks turned to fail (${failed.join(', ')}): running the diagnostic checks now`)
            schedulers.diagnostic.runNow()
          }
        }
        if (tier === 'diagnostic' && diagnosis && !diagnosis.finishedAt && snapshot.finishedAt && snapshot.finishedAt >= diagnosis.at) {
          diagnosis = { ...diagnosis, finishedAt: snapshot.finishedAt }
        }
        previous = snapshot
        // the tiers merged: a result of the other tier is seen again, and recorded once
        history.record(tiers().checks)
        const merged = view()
        metrics.update(merged)
        await refresh(merged)
        const unsaved = stateFile && (await writeHistoryFile(stateFile, history))
        if (unsaved) log(unsaved)
        log(
          `${tier} run ${snapshot.runs}: ${summaryLine(snapshot.checks)}${snapshot.errors.length ? `, ${plural(snapshot.errors.length, 'error')} outside checks` : ''} (${Math.round(snapshot.durationMs ?? 0)} ms)`,
        )
      },
      (error) => log(`${tier} run failed: ${redact(String((error as Error)?.message ?? error)).split('\n')[0]}`),
      {
        tier,
        deadlineMs: () => schedulers[tier].activeSession.runDeadlineMs(),
        reopen: async () => {
          log(`the ${tier} run did not stop once cancelled (a check blocks its worker): starting a fresh Vitest`)
          return open(tier)
        },
      },
    )
  }
  const schedulers = { smoke: tierScheduler('smoke', intervalMs), diagnostic: tierScheduler('diagnostic', diagnosticIntervalMs) }
  const closeSessions = (): Promise<unknown> =>
    Promise.all(Object.values(schedulers).map((scheduler) => scheduler.activeSession.close().catch(() => {})))
  // results that no run renews turn stale with time alone: /health says so without waiting for a run
  const staleness = setInterval(() => void refresh(view()).catch(() => {}), Math.min(intervalMs, 5000))
  staleness.unref()

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => resolve())
    })
  } catch (error) {
    clearInterval(staleness)
    await closeSessions()
    const code = (error as { code?: string }).code
    throw new UsageError(
      code === 'EADDRINUSE'
        ? `port ${port} on ${host} is in use`
        : code === 'EADDRNOTAVAIL'
          ? `${host} is not an address of this host`
          : `cannot listen on ${host}:${port}: ${(error as Error).message}`,
    )
  }
  const address = server.address()
  const bound = typeof address === 'object' && address ? address.port : port
  log(
    `listening on http://${isIP(host) === 6 ? `[${host}]` : host}:${bound} (smoke checks every ${intervalMs / 1000} s, diagnostic every ${diagnosticIntervalMs / 1000} s${token ? ', token required' : ''})`,
  )
  schedulers.smoke.start()
  schedulers.diagnostic.start()

  return new Promise<number>((resolve) => {
    let stopping = false
    const stop = (signal: string): void => {
      if (stopping) return
      stopping = true
      log(`${signal}: stopping`)
      const hard = setTimeout(() => resolve(0), SHUTDOWN_LIMIT_MS)
      clearInterval(staleness)
      server.close()
      server.closeAllConnections()
      Promise.all([schedulers.smoke.stop(), schedulers.diagnostic.stop()])
        .then(closeSessions)
        .catch(() => {})
        .finally(() => {
          clearTimeout(hard)
          resolve(0)
        })
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
  })
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

function parseLabels(pairs: string[]): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const pair of pairs) {
    const at = pair.indexOf('=')
    const name = pair.slice(0, at)
    if (at < 1 || !LABEL_NAME.test(name) || name.startsWith('__'))
      throw new UsageError(`--label takes key=value with a Prometheus label name as key, got ${JSON.stringify(pair)}`)
    if (['check', 'tier', 'file', 'instance', 'job'].includes(name))
      throw new UsageError(`--label ${name} is reserved: prodcheck or Prometheus sets it`)
    labels[name] = pair.slice(at + 1)
  }
  return labels
}

function log(line: string): void {
  process.stderr.write(`prodcheck serve: ${line}\n`)
}
