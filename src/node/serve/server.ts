/**
 * The HTTP side of `prodcheck serve`: routes, authentication, methods. Every response is
 * made from the snapshot of the last run, once, on the first request that asks for it after
 * that run (a refresh nobody reads costs nothing: with 200 checks, rendering every route took
 * some 28 ms a refresh), then served as it is: a request costs a lookup and a write,
 * whatever the load, and requests never start a run.
 *
 * | route | what | auth with a token |
 * |---|---|---|
 * | `GET /health` | smoke checks, health+json, 200 pass/warn, 503 fail or no run yet | no: the status and counts only; with the token, every check |
 * | `GET /diagnostics` | every check, with messages, health+json | yes |
 * | `GET /metrics` | Prometheus text, or OpenMetrics when `Accept` asks for it | yes |
 * | `GET /` | the status page | yes: without credentials, the login form (401) |
 * | `POST /login`, `POST /logout` | a session for people (login.ts), with a token only | |
 *
 * With a token, an anonymous caller (a load balancer, a Kubernetes probe) learns whether the
 * service is healthy and how many checks pass, nothing of the topology behind it: no target,
 * check name, version or message (as Spring Boot Actuator's `show-details: when-authorized`).
 * People log in through a form to a session cookie that opens the same routes as the token.
 *
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { toHealthDocument, HEALTH_MEDIA_TYPE } from '../reporter/health.ts'
import type { CheckResult } from '../results.ts'
import { type Metrics, type MetricsFormat, METRICS_CONTENT_TYPES, metricsFormat } from './metrics.ts'
import { createLogin, type LoginOptions } from './login.ts'
import { renderPage } from './page.ts'
import type { Snapshot } from './scheduler.ts'

/** A prepared response. */
interface Prepared {
  status: number
  type: string
  body: string
  /** The request headers the body depends on. */
  vary?: string
  /** More headers (a cookie, a redirect). */
  headers?: Record<string, string>
}

type Route = '/' | '/health' | '/diagnostics' | '/metrics'
/** The responses that need no metrics text. */
type Page = Exclude<Route, '/metrics'> | 'anonymousHealth'

/** The responses of one snapshot, each made on first use. */
interface Responses {
  get(page: Page): Prepared
  metrics(format: MetricsFormat): Promise<Prepared>
}

const ROUTES: ReadonlySet<string> = new Set(['/', '/health', '/diagnostics', '/metrics'])
const PUBLIC: ReadonlySet<string> = new Set(['/health'])
const LOGIN_ROUTES: ReadonlySet<string> = new Set(['/login', '/logout'])
/** No script, no fetch, forms posted here only, never framed (no clickjacking of the login). */
const HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"

/** The server and how to refresh what it serves. */
export interface HealthServer {
  server: Server
  /** Prepares every response from a new snapshot. */
  refresh(snapshot: Snapshot): Promise<void>
}

/**
 * Creates the server (not listening yet). With a `token`, every route but /health needs
 * `Authorization: Bearer <token>` or the cookie of a session opened at `POST /login`
 * (`trustProxy`: behind a TLS-terminating proxy; `sessionTtlMs`: a session's lifetime).
 *
 * @example
 * const { server, refresh } = createHealthServer({ metrics, intervalMs: 30_000, token: process.env.PRODCHECK_TOKEN, trustProxy: true })
 */
export function createHealthServer({
  metrics,
  intervalMs,
  token,
  ...access
}: { metrics: Metrics; intervalMs: number; token?: string } & LoginOptions): HealthServer {
  const expected = token ? digest(token) : undefined
  const login = expected ? createLogin({ ...access, verify: (candidate) => matches(candidate, expected) }) : undefined
  let prepared = prepare({ runs: 0, running: true, checks: [], errors: [] }, metrics, intervalMs)

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/'
    if (login && LOGIN_ROUTES.has(path))
      return void login.handle(path, request).then(
        (reply) => send(response, reply, request.method),
        () => response.destroy(),
      )
    if (!ROUTES.has(path))
      return send(
        response,
        { status: 404, type: 'text/plain; charset=utf-8', body: 'not found: the routes are /, /health, /diagnostics, /metrics\n' },
        request.method,
      )
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD')
      return send(response, { status: 405, type: 'text/plain; charset=utf-8', body: `method ${request.method} not allowed: use GET\n` }, 'GET')
    }
    const session = login?.session(request) === true
    const allowed = !expected || authorized(request.headers.authorization, expected) || session
    if (!allowed && login && path === '/') return send(response, login.prompt(request), request.method)
    if (!allowed && !PUBLIC.has(path)) {
      response.setHeader('www-authenticate', 'Bearer realm="prodcheck"')
      return send(
        response,
        { status: 401, type: 'text/plain; charset=utf-8', body: 'unauthorized: send Authorization: Bearer <token>\n' },
        request.method,
      )
    }
    if (!allowed) return send(response, prepared.get('anonymousHealth'), request.method)
    if (path === '/metrics')
      return void prepared.metrics(metricsFormat(request.headers.accept)).then(
        (reply) => send(response, reply, request.method),
        () => response.destroy(),
      )
    const chosen = prepared.get(path as Page)
    send(response, session && login && path === '/' ? { ...chosen, body: login.withLogout(chosen.body) } : chosen, request.method)
  })
  server.keepAliveTimeout = 5000
  server.headersTimeout = 10_000
  server.requestTimeout = 10_000

  return {
    server,
    async refresh(snapshot) {
      prepared = prepare(snapshot, metrics, intervalMs)
    },
  }
}

/**
 * The responses of a snapshot, each made on its first request and kept until the next
 * refresh. The metrics texts are the registry's as it stands when first asked, which is
 * the snapshot's (the registry is updated before each refresh).
 */
function prepare(snapshot: Snapshot, metrics: Metrics, intervalMs: number): Responses {
  // the page's times are relative to the refresh, as if it were rendered then
  const refreshedAt = Date.now()
  const made = new Map<Page, Prepared>()
  const texts = new Map<MetricsFormat, Promise<string>>()
  let health: { document: ReturnType<typeof healthOf>; status: number } | undefined
  const smokeHealth = (): { document: ReturnType<typeof healthOf>; status: number } => {
    if (health) return health
    const document = healthOf(
      snapshot,
      snapshot.checks.filter((check) => check.tier === 'smoke'),
    )
    health = { document, status: smokeRuns(snapshot) > 0 && document.status !== 'fail' ? 200 : 503 }
    return health
  }
  const make = (page: Page): Prepared => {
    switch (page) {
      case '/health': {
        const { document, status } = smokeHealth()
        return { status, type: HEALTH_MEDIA_TYPE, body: `${JSON.stringify(document)}\n` }
      }
      // the status and the counts, nothing that names what is checked
      case 'anonymousHealth': {
        const { document, status } = smokeHealth()
        return {
          status,
          type: HEALTH_MEDIA_TYPE,
          body: `${JSON.stringify({ status: document.status, description: 'prodcheck smoke checks', notes: document.notes.slice(0, 1) })}\n`,
        }
      }
      case '/diagnostics':
        return { status: 200, type: HEALTH_MEDIA_TYPE, body: `${JSON.stringify(diagnostics(snapshot), null, 2)}\n` }
      case '/':
        return { status: 200, type: 'text/html; charset=utf-8', body: renderPage(snapshot, intervalMs, undefined, refreshedAt) }
    }
  }
  return {
    get(page) {
      let response = made.get(page)
      if (!response) {
        response = make(page)
        made.set(page, response)
      }
      return response
    },
    async metrics(format) {
      let text = texts.get(format)
      if (!text) {
        text = metrics.text(format)
        texts.set(format, text)
      }
      return { status: 200, type: METRICS_CONTENT_TYPES[format], body: await text, vary: 'Accept' }
    },
  }
}

function healthOf(
  snapshot: Snapshot,
  checks: readonly CheckResult[],
): ReturnType<typeof toHealthDocument> & { startedAt?: string; finishedAt?: string } {
  if (smokeRuns(snapshot) === 0)
    return {
      status: 'warn',
      description: 'prodcheck',
      notes: ['no run has completed yet'],
      output: 'the first run of the checks is in progress',
      checks: {},
    }
  const document = toHealthDocument(checks, 'prodcheck smoke checks')
  return {
    ...document,
    ...(snapshot.errors.length > 0 && { status: 'fail', output: snapshot.errors[0] }),
    // results no run has renewed for three intervals say nothing of now
    ...(snapshot.stale && { status: 'fail', output: snapshot.stale, notes: [...document.notes, `stale: ${snapshot.stale}`] }),
    startedAt: snapshot.startedAt,
    finishedAt: snapshot.finishedAt,
  }
}

function diagnostics(snapshot: Snapshot): object {
  if (snapshot.runs === 0) return healthOf(snapshot, [])
  const document = toHealthDocument(snapshot.checks, 'prodcheck checks')
  // when each status began, and the check's last results when serve keeps a history
  for (const check of snapshot.checks) {
    const history = check.history && {
      history: check.history,
      uptime: check.uptime,
      flaps: check.flaps,
      ...(check.lastFailure && { lastFailure: check.lastFailure }),
    }
    for (const observation of document.checks[`${check.key}:responseTime`] ?? []) Object.assign(observation, { since: check.lastChange, ...history })
  }
  return {
    ...document,
    ...(snapshot.errors.length > 0 && { status: 'fail', notes: [...document.notes, ...snapshot.errors] }),
    startedAt: snapshot.startedAt,
    finishedAt: snapshot.finishedAt,
    durationMs: snapshot.durationMs,
    runs: snapshot.runs,
    ...(snapshot.diagnosis && { diagnosis: snapshot.diagnosis }),
    ...(snapshot.stale && { stale: snapshot.stale }),
  }
}

/** The runs that produced the smoke results /health serves: the smoke tier's, when the tiers run apart. */
function smokeRuns(snapshot: Snapshot): number {
  return snapshot.tierRuns?.smoke ?? snapshot.runs
}

function send(response: ServerResponse, { status, type, body, vary, headers }: Prepared, method = 'GET'): void {
  response.writeHead(status, {
    ...headers,
    'content-type': type,
    ...(vary && { vary }),
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...(type.startsWith('text/html') && { 'content-security-policy': HTML_POLICY }),
  })
  response.end(method === 'HEAD' ? undefined : body)
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

function authorized(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '')
  return match?.[1] !== undefined && matches(match[1].trim(), expected)
}

/** Constant-time comparison with the token (hashes have equal length whatever the input). */
function matches(candidate: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(candidate), expected)
}
