/**
 * Prometheus metrics of `prodcheck serve`, with prom-client, in Prometheus text (0.0.4) or
 * OpenMetrics 1.0.0 (docs/metrics.md lists every series):
 *
 * - the checks: `prodcheck_check_up{check,tier,file}` (1 up, 0 down), `prodcheck_check_degraded`,
 *   `prodcheck_check_duration_seconds` (histogram of check latencies, for percentiles),
 *   `prodcheck_check_latency_budget_seconds` (the `maxLatencyMs` of checks that have one);
 * - the runs: `prodcheck_run_duration_seconds`, `prodcheck_run_errors`,
 *   `prodcheck_last_run_timestamp_seconds`, `prodcheck_interval_seconds`, `prodcheck_runs_total`;
 * - blackbox_exporter's detail, by test, from the facts of its records: `prodcheck_http_status_code`,
 *   `prodcheck_http_version`, `prodcheck_http_redirects`, `prodcheck_http_duration_seconds{phase}`,
 *   `prodcheck_ssl_earliest_cert_expiry`, `prodcheck_ssl_last_chain_info`, `prodcheck_tls_version_info`,
 *   `prodcheck_dns_answer_rrs`.
 *
 * Label values that come from a peer (a certificate's names) are cut; every record was
 * redacted, made printable and cut when it was read (results.ts); prom-client escapes.
 *
 * @module
 */
import { Counter, Gauge, Histogram, type OpenMetricsContentType, Registry } from 'prom-client'
import { SERVING_STATUSES } from '../../core/check-record.ts'
import type { CheckRecord, CheckResult } from '../results.ts'
import type { Snapshot } from './scheduler.ts'

const LABELS = ['check', 'tier', 'file'] as const

/** The exposition formats of `/metrics`. */
export type MetricsFormat = 'prometheus' | 'openmetrics'

/** The media type each format is served with. */
export const METRICS_CONTENT_TYPES: Readonly<Record<MetricsFormat, string>> = {
  prometheus: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
}

/** The phases of an HTTP record, by blackbox_exporter's names (`probe_http_duration_seconds{phase}`). */
const HTTP_PHASES: ReadonlyArray<readonly [keyof NonNullable<CheckRecord['phases']>, string]> = [
  ['dns', 'resolve'],
  ['connect', 'connect'],
  ['tls', 'tls'],
  ['firstByte', 'processing'],
  ['body', 'transfer'],
]

/** Characters of a label value taken from a peer (a certificate's subject and issuer), at most. */
export const MAX_PEER_LABEL_CHARS = 128

/** The registries and how to feed them a snapshot. */
export interface Metrics {
  /** The registry of the Prometheus text format: it holds every metric, as the OpenMetrics one does. */
  registry: Registry
  update(snapshot: Snapshot): void
  /** The exposition in `format` (Prometheus text by default), refreshed by `update`. */
  text(format?: MetricsFormat): Promise<string>
}

/**
 * Creates the metrics, with `labels` as constant labels on every series (e.g. env, region).
 *
 * @example
 * const metrics = createMetrics({ env: 'prod' }, 30_000)
 * metrics.update(snapshot)
 * await metrics.text('openmetrics') // '# HELP prodcheck_check_up …\n…# EOF\n'
 */
export function createMetrics(labels: Record<string, string> = {}, intervalMs?: number): Metrics {
  const prometheus = new Registry()
  const openmetrics = new Registry<OpenMetricsContentType>()
  openmetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)
  const registries = { prometheus, openmetrics }
  const registers = [prometheus, openmetrics]
  for (const registry of registers) registry.setDefaultLabels(labels)
  const gauge = (name: string, help: string, labelNames: readonly string[] = LABELS): Gauge => new Gauge({ name, help, labelNames, registers })

  const up = gauge('prodcheck_check_up', 'Whether the check passed in the last run (1) or failed (0).')
  const degraded = gauge(
    'prodcheck_check_degraded',
    'Whether the check passed degraded in the last run: over a soft threshold (warnLatencyMs, warnDaysLeft), or after a retry.',
  )
  const duration = new Histogram({
    name: 'prodcheck_check_duration_seconds',
    help: 'Latency of the checks, by run.',
    labelNames: LABELS,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  })
  const budget = gauge('prodcheck_check_latency_budget_seconds', 'Latency budget of the check (its maxLatencyMs), when it has one.')
  const runDuration = gauge('prodcheck_run_duration_seconds', 'Duration of the last run of the suite.', [])
  const lastRun = gauge('prodcheck_last_run_timestamp_seconds', 'When the last run of the suite finished (Unix time).', [])
  const runErrors = gauge(
    'prodcheck_run_errors',
    'Errors of the last run outside any check (a file that did not load, an unhandled rejection): the run failed.',
    [],
  )
  // prom-client renames a counter in place (drops `_total`) when it renders OpenMetrics, which
  // would cost the Prometheus text its `_total`: each format gets a counter of its own
  const runs = registers.map(
    (registry) => new Counter({ name: 'prodcheck_runs_total', help: 'Runs of the suite completed since start.', registers: [registry] }),
  )
  const interval = gauge('prodcheck_interval_seconds', 'Pause between two runs of the suite: results older than a few of these are stale.', [])
  if (intervalMs !== undefined) interval.set(intervalMs / 1000)

  const httpStatus = gauge(
    'prodcheck_http_status_code',
    'HTTP status code of the final response (after redirects) of the first HTTP check of the test.',
  )
  const httpVersion = gauge('prodcheck_http_version', 'HTTP version of that response (1.1, 2).')
  const httpRedirects = gauge('prodcheck_http_redirects', 'Redirects that HTTP check followed.')
  const httpPhases = gauge('prodcheck_http_duration_seconds', 'Time of that HTTP check by phase, summed over its redirects.', [...LABELS, 'phase'])
  const certExpiry = gauge(
    'prodcheck_ssl_earliest_cert_expiry',
    'Earliest expiry (Unix time) in the certificate chain of the certificate check of the test whose chain expires first.',
  )
  const chainInfo = gauge('prodcheck_ssl_last_chain_info', 'The leaf certificate of that chain, in its labels (value 1).', [
    ...LABELS,
    'subject',
    'issuer',
    'serial',
    'fingerprint_sha256',
  ])
  const tlsVersion = gauge('prodcheck_tls_version_info', 'TLS version that certificate check negotiated, in its label (value 1).', [
    ...LABELS,
    'version',
  ])
  const dnsAnswers = gauge('prodcheck_dns_answer_rrs', 'Answers of the first DNS check of the test.')
  const grpcServing = gauge(
    'prodcheck_grpc_healthcheck_response',
    'Serving status the first gRPC health check of the test answered: 1 for it, 0 for the others.',
    [...LABELS, 'serving_status'],
  )
  const grpcStatus = gauge(
    'prodcheck_grpc_status_code',
    'gRPC status code of that health check call (0 OK, 5 NOT_FOUND, 12 UNIMPLEMENTED, 14 UNAVAILABLE).',
  )
  // series by test, gone with the test (or the fact) from the next run on
  const perRun = [
    up,
    degraded,
    budget,
    httpStatus,
    httpVersion,
    httpRedirects,
    httpPhases,
    certExpiry,
    chainInfo,
    tlsVersion,
    dnsAnswers,
    grpcServing,
    grpcStatus,
  ]

  // the result each check's latency was last observed for: a snapshot merges tiers that run
  // apart, and shows a result again until its tier runs anew; the histogram counts it once
  let observed = new Map<string, string>()
  return {
    registry: prometheus,
    update(snapshot) {
      for (const metric of perRun) metric.reset()
      const seen = new Map<string, string>()
      for (const check of snapshot.checks) {
        // the key, unique in the run: checks of the same name are distinct series
        const series = { check: check.key, tier: check.tier, file: check.file }
        up.set(series, check.status === 'fail' ? 0 : 1)
        degraded.set(series, check.status === 'warn' ? 1 : 0)
        if (check.timed && observed.get(check.id) !== check.time) duration.observe(series, check.latencyMs / 1000)
        seen.set(check.id, check.time)
        if (check.budgetMs !== undefined) budget.set(series, check.budgetMs / 1000)
        const http = httpDetail(check)
        if (http) {
          httpStatus.set(series, http.status)
          if (http.version !== undefined) httpVersion.set(series, http.version)
          if (http.redirects !== undefined) httpRedirects.set(series, http.redirects)
          for (const [phase, seconds] of http.phases) httpPhases.set({ ...series, phase }, seconds)
        }
        const certificate = certificateDetail(check)
        if (certificate) {
          certExpiry.set(series, certificate.expiry)
          if (certificate.chain) chainInfo.set({ ...series, ...certificate.chain }, 1)
          if (certificate.tlsVersion) tlsVersion.set({ ...series, version: certificate.tlsVersion }, 1)
        }
        const answers = firstFact(check, 'answers', asNumber)
        if (answers !== undefined) dnsAnswers.set(series, answers)
        const code = firstFact(check, 'grpcStatus', asNumber)
        if (code !== undefined) {
          grpcStatus.set(series, code)
          // as blackbox_exporter: a series for every status, 1 for the one answered
          const serving = firstFact(check, 'servingStatus', asString)
          for (const status of SERVING_STATUSES) grpcServing.set({ ...series, serving_status: status }, status === serving ? 1 : 0)
        }
      }
      observed = seen
      runErrors.set(snapshot.errors.length)
      runDuration.set((snapshot.durationMs ?? 0) / 1000)
      if (snapshot.finishedAt) lastRun.set(Date.parse(snapshot.finishedAt) / 1000)
      for (const counter of runs) counter.inc()
    },
    text: (format = 'prometheus') => registries[format].metrics(),
  }
}

/**
 * The format `/metrics` answers a request in: OpenMetrics when its `Accept` asks for
 * `application/openmetrics-text` (version 1.0.0, or none said) at least as much as for
 * Prometheus text, else Prometheus text. Prometheus itself asks for OpenMetrics first.
 *
 * @example
 * metricsFormat('application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5') // 'openmetrics'
 * metricsFormat(undefined) // 'prometheus'
 */
export function metricsFormat(accept: string | undefined): MetricsFormat {
  let openMetrics = 0
  let text = 0
  // cap first: a header of a few ranges is all a scraper sends
  for (const range of (accept ?? '').slice(0, 2048).split(',').slice(0, 32)) {
    const [type = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase())
    const params = new Map(parameters.map((parameter) => parameter.split('=', 2).map((part) => part.trim()) as [string, string | undefined]))
    const q = params.has('q') ? Number(params.get('q')) : 1
    if (!(q > 0)) continue
    const version = params.get('version')?.replace(/^"|"$/g, '')
    if (type === 'application/openmetrics-text' && (version === undefined || version === '1.0.0')) openMetrics = Math.max(openMetrics, q)
    else if (type === 'text/plain' || type === 'text/*' || type === '*/*') text = Math.max(text, q)
  }
  return openMetrics > 0 && openMetrics >= text ? 'openmetrics' : 'prometheus'
}

/** What a test's HTTP check saw: the first check of the test with a status code. */
function httpDetail(check: CheckResult): { status: number; version?: number; redirects?: number; phases: Array<[string, number]> } | undefined {
  const record = check.checks.find((one) => asNumber(one.facts.httpStatus) !== undefined)
  const status = asNumber(record?.facts.httpStatus)
  if (!record || status === undefined) return undefined
  const version = asString(record.facts.httpVersion)
  const redirects = asNumber(record.facts.redirects)
  const phases = HTTP_PHASES.flatMap(([name, phase]): Array<[string, number]> => {
    const ms = asNumber(record.phases?.[name])
    return ms === undefined ? [] : [[phase, ms / 1000]]
  })
  return {
    status,
    // `1.1` → 1.1, as blackbox_exporter's probe_http_version
    ...(version !== undefined && /^\d(\.\d)?$/.test(version) && { version: Number(version) }),
    ...(redirects !== undefined && { redirects }),
    phases,
  }
}

/**
 * What a test's certificate check saw: of its checks with a certificate expiry, the one
 * whose chain expires first, so that an alert on expiry misses no certificate of the test,
 * and the chain info names the certificate it is about.
 */
function certificateDetail(
  check: CheckResult,
): { expiry: number; chain?: { subject: string; issuer: string; serial: string; fingerprint_sha256: string }; tlsVersion?: string } | undefined {
  let earliest: { record: CheckRecord; expiry: number } | undefined
  for (const record of check.checks) {
    const expiry = Date.parse(asString(record.facts.earliestNotAfter) ?? asString(record.facts.notAfter) ?? '')
    if (Number.isFinite(expiry) && (!earliest || expiry < earliest.expiry)) earliest = { record, expiry }
  }
  if (!earliest) return undefined
  const { facts } = earliest.record
  const fingerprint = asString(facts.fingerprintSha256)
  const serial = asString(facts.serial)
  const protocol = /^TLSv1(?:\.([0-3]))?$/.exec(asString(facts.protocol) ?? '')
  return {
    expiry: earliest.expiry / 1000,
    ...(fingerprint !== undefined &&
      /^[\da-f]{64}$/.test(fingerprint) && {
        chain: {
          subject: peerLabel(asString(facts.subject) ?? ''),
          issuer: peerLabel(asString(facts.issuer) ?? ''),
          serial: serial !== undefined && /^[\da-f]{1,64}$/.test(serial) ? serial : '',
          fingerprint_sha256: fingerprint,
        },
      }),
    // `TLSv1.3` → `TLS 1.3`, as blackbox_exporter's probe_tls_version_info
    ...(protocol && { tlsVersion: `TLS 1.${protocol[1] ?? '0'}` }),
  }
}

/** The fact `name` of the first record of the test that has it, as `read` takes it. */
function firstFact<T>(check: CheckResult, name: keyof CheckRecord['facts'], read: (value: unknown) => T | undefined): T | undefined {
  for (const record of check.checks) {
    const value = read(record.facts[name])
    if (value !== undefined) return value
  }
  return undefined
}

/** A label value a peer chose, cut to {@link MAX_PEER_LABEL_CHARS} (never between the halves of a surrogate pair). */
function peerLabel(text: string): string {
  if (text.length <= MAX_PEER_LABEL_CHARS) return text
  const end = /[\ud800-\udbff]/.test(text.charAt(MAX_PEER_LABEL_CHARS - 2)) ? MAX_PEER_LABEL_CHARS - 2 : MAX_PEER_LABEL_CHARS - 1
  return `${text.slice(0, end)}…`
}

function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}
