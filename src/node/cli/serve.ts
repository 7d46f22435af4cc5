/**
 * `prodcheck serve`: keeps one Vitest instance warm, reruns the suite every interval in the
 * background (single flight), and serves the cached results: /health, /diagnostics,
 * /metrics and a status page. Binds loopback by default; any other address needs a token.
 *
 * @module
 */
import { isIP } from 'node:net'
import { createHealthServer } from '../serve/server.ts'
import { createMetrics } from '../serve/metrics.ts'
import { Scheduler } from '../serve/scheduler.ts'
import { summaryLine } from '../reporter/table.ts'
import { redact, registerSecret } from '../../core/redact.ts'
import { plural } from '../../core/text.ts'
import { parseFlags } from './args.ts'
import { parseDuration } from './duration.ts'
import { openSession } from '../session.ts'
import { UsageError } from './usage-error.ts'

export const SERVE_HELP = `Usage: prodcheck serve [file filters…] [options]

Runs the checks every interval in the background and serves the last results:
  GET /health        smoke checks, application/health+json, 200 or 503 (no token needed)
  GET /diagnostics   every check, with its messages
  GET /metrics       Prometheus metrics
  GET /              status page

Options:
  --host <address>     address to bind (default: 127.0.0.1)
  --port <port>        port (default: 1515; 0 picks a free one)
  --interval <time>    pause between two runs (default: 30s)
  --token <token>      require Authorization: Bearer <token> (default: $PRODCHECK_TOKEN);
                       needed to bind anything but loopback
  --label <key=value>  constant label on every metric (repeatable), e.g. --label env=prod
  --project <name>     Vitest project to run (default: prod)
  -h, --help           this help

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
      token: { type: 'string' },
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
  const token = (values.token as string | undefined) ?? process.env.PRODCHECK_TOKEN
  if (token !== undefined && token.length < 16) throw new UsageError('the token must be at least 16 characters long (e.g. openssl rand -hex 24)')
  if (token) registerSecret(token)
  if (!isLoopback(host) && !token) {
    throw new UsageError(
      `refusing to bind ${host} without a token: the results would be open to the network. Give --token or PRODCHECK_TOKEN (or bind 127.0.0.1)`,
    )
  }
  const labels = parseLabels((values.label as string[] | undefined) ?? [])

  const before = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') }
  const session = await openSession({ project: String(values.project ?? 'prod'), filters: positionals })
  // Vitest's logger exits at once on these signals: serve shuts down by itself, gracefully
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    for (const listener of process.listeners(signal)) if (!before[signal].includes(listener)) process.off(signal, listener)
  }
  const metrics = createMetrics(labels, intervalMs)
  const { server, refresh } = createHealthServer({ metrics, intervalMs, token })
  const scheduler = new Scheduler(
    session,
    intervalMs,
    async (snapshot) => {
      metrics.update(snapshot)
      await refresh(snapshot)
      log(
        `run ${snapshot.runs}: ${summaryLine(snapshot.checks)}${snapshot.errors.length ? `, ${plural(snapshot.errors.length, 'error')} outside checks` : ''} (${Math.round(snapshot.durationMs ?? 0)} ms)`,
      )
    },
    (error) => log(`run failed: ${redact(String((error as Error)?.message ?? error)).split('\n')[0]}`),
  )

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => resolve())
    })
  } catch (error) {
    await session.close()
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
  log(`listening on http://${isIP(host) === 6 ? `[${host}]` : host}:${bound} (checks every ${intervalMs / 1000} s${token ? ', token required' : ''})`)
  scheduler.start()

  return new Promise<number>((resolve) => {
    let stopping = false
    const stop = (signal: string): void => {
      if (stopping) return
      stopping = true
      log(`${signal}: stopping`)
      const hard = setTimeout(() => resolve(0), SHUTDOWN_LIMIT_MS)
      server.close()
      server.closeAllConnections()
      scheduler
        .stop()
        .then(() => session.close())
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
