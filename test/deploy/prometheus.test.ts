// deploy/prometheus: the scrape config and alert rules pass promtool (the Debian package
// `prometheus` ships it; .ci/run installs it), the rules' unit tests pass, the rules only use
// metrics that `prodcheck serve` exports, and a real Prometheus scrapes /metrics in OpenMetrics.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'
import { createMetrics } from '../../src/node/serve/metrics.ts'
import { createHealthServer } from '../../src/node/serve/server.ts'
import { aRecord, aResult } from '../support/results.ts'
import { freePort } from '../support/servers.ts'

const DIR = resolve(import.meta.dirname, '../../deploy/prometheus')
const PROMTOOL = '/usr/bin/promtool'
const PROMETHEUS = '/usr/bin/prometheus'

async function promtool(cwd: string, ...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(PROMTOOL, args, { cwd })
    return { code: 0, output: stdout + stderr }
  } catch (error) {
    const failure = error as { code?: number | string; stdout?: string; stderr?: string }
    if (failure.code === 'ENOENT') throw new Error(`${PROMTOOL} is missing: apt-get install -y prometheus (.ci/run does it)`)
    return { code: Number(failure.code), output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` }
  }
}

test('the scrape config is valid Prometheus configuration', async () => {
  const check = await promtool(DIR, 'check', 'config', '--syntax-only', 'prometheus.yml')
  expect(check.output).toContain('SUCCESS')
  expect(check.code).toBe(0)
})

test('the alert rules are valid, and their unit tests pass', async () => {
  const rules = await promtool(DIR, 'check', 'rules', 'alerts.yml')
  expect(rules.output).toContain('SUCCESS: 8 rules found')
  const tests = await promtool(DIR, 'test', 'rules', 'alerts.test.yml')
  expect(tests.output).toContain('SUCCESS')
  expect(tests.code).toBe(0)
})

test.each([
  ['a smoke alert that waits 5 minutes', 'ProdcheckSmokeCheckFailing', /(alert: ProdcheckSmokeCheckFailing[\s\S]*?for: )2m/, '$15m'],
  [
    'a certificate alert 7 days ahead',
    'ProdcheckCertificateExpiringSoon',
    /(alert: ProdcheckCertificateExpiringSoon[\s\S]*?< )14 \* 86400/,
    '$17 * 86400',
  ],
  ['a status alert that lets 3xx through', 'ProdcheckHttpStatusNot2xx', /(alert: ProdcheckHttpStatusNot2xx[\s\S]*?> )299/, '$1399'],
  [
    'a status alert on 5xx only',
    'ProdcheckHttpStatusNot2xx',
    /(alert: ProdcheckHttpStatusNot2xx\n\s+expr: ).*/,
    '$1prodcheck_http_status_code >= 500',
  ],
])('the rule tests catch a weakened rule: %s', async (_, alert, pattern, replacement) => {
  const copy = mkdtempSync(join(tmpdir(), 'prodcheck-rules-'))
  try {
    copyFileSync(join(DIR, 'alerts.test.yml'), join(copy, 'alerts.test.yml'))
    const rules = readFileSync(join(DIR, 'alerts.yml'), 'utf8')
    const weakened = rules.replace(pattern, replacement)
    expect(weakened).not.toBe(rules)
    writeFileSync(join(copy, 'alerts.yml'), weakened)
    const tests = await promtool(copy, 'test', 'rules', 'alerts.test.yml')
    expect(tests.code).toBe(1)
    expect(tests.output).toMatch(new RegExp(`FAILED[\\s\\S]*${alert}`))
  } finally {
    rmSync(copy, { recursive: true, force: true })
  }
})

test('every prodcheck metric the rules and their tests use is one prodcheck serve exports', async () => {
  const exported = new Set<string>()
  for (const metric of await createMetrics({}, 30_000).registry.getMetricsAsJSON()) {
    exported.add(metric.name)
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(metric.name + suffix)
  }
  for (const file of ['alerts.yml', 'alerts.test.yml']) {
    const used = new Set(readFileSync(join(DIR, file), 'utf8').match(/\bprodcheck_[a-z_]+/g))
    expect(used.size).toBeGreaterThan(3)
    for (const name of used) expect(exported, `${file} uses ${name}`).toContain(name)
  }
})

/** Starts Prometheus scraping `targets` (job name → host:port) every second; stopped by `stop`. */
async function startPrometheus(targets: Record<string, string>): Promise<{ url: string; stop(): Promise<void>; log(): string }> {
  const dir = mkdtempSync(join(tmpdir(), 'prodcheck-prometheus-'))
  const jobs = Object.entries(targets).map(([job, target]) => `  - job_name: ${job}\n    static_configs: [{ targets: ['${target}'] }]`)
  writeFileSync(join(dir, 'prometheus.yml'), `global: { scrape_interval: 1s, scrape_timeout: 1s }\nscrape_configs:\n${jobs.join('\n')}\n`)
  const port = await freePort()
  const child: ChildProcess = spawn(PROMETHEUS, [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ])
  let log = ''
  child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk).slice(-4000)))
  const exited = new Promise((done) => child.once('close', done))
  child.once('error', (error) => (log += `\n${error.message}: apt-get install -y prometheus (.ci/run does it)`))
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill()
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
    log: () => log,
  }
}

interface Target {
  labels: { job: string }
  health: string
  lastError: string
}

/** Polls `read` until `done` holds for what it returns, or fails after `timeoutMs`. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: () => string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read().catch(() => undefined)
    if (value !== undefined && done(value)) return value
    if (Date.now() > deadline) throw new Error(`${what()}: not within ${timeoutMs} ms; last: ${JSON.stringify(value)}`)
    await new Promise((wake) => setTimeout(wake, 250))
  }
}

test('a real Prometheus asks /metrics for OpenMetrics, parses it, and reads every series; it refuses OpenMetrics without # EOF', async () => {
  const metrics = createMetrics({ env: 'prod' }, 30_000)
  const { server, refresh } = createHealthServer({ metrics, intervalMs: 30_000 })
  const accepts: Array<string | undefined> = []
  server.on('request', (request) => accepts.push(request.headers.accept))
  const snapshot = {
    runs: 1,
    running: false,
    finishedAt: new Date().toISOString(),
    durationMs: 40,
    errors: [],
    checks: [
      aResult({
        checks: [aRecord({ facts: { httpStatus: 200, httpVersion: '1.1', redirects: 1 }, phases: { connect: 2, firstByte: 25, body: 3 } })],
      }),
      aResult({
        name: 'tls "edge"',
        key: 'tls "edge"',
        checks: [
          aRecord({
            matcher: 'toHaveValidCertificate',
            facts: {
              notAfter: '2027-03-01T00:00:00.000Z',
              protocol: 'TLSv1.3',
              subject: 'CN=api.internal,O=Example\\, Inc.',
              issuer: 'CN=R3',
              serial: '04a1',
              fingerprintSha256: 'f'.repeat(64),
            },
          }),
        ],
      }),
    ].map((check) => ({ ...check, lastChange: new Date().toISOString() })),
  }
  metrics.update(snapshot)
  await refresh(snapshot)
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  // what a broken exporter would send: OpenMetrics without its # EOF
  const broken = createServer((_, response) =>
    response
      .writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' })
      .end('# TYPE up_here gauge\nup_here 1\n'),
  )
  await new Promise<void>((done) => broken.listen(0, '127.0.0.1', done))
  const address = (listening: { address(): unknown }): string => `127.0.0.1:${(listening.address() as AddressInfo).port}`
  const prometheus = await startPrometheus({ prodcheck: address(server), broken: address(broken) })
  try {
    const api = async <T>(path: string): Promise<T> => ((await (await fetch(`${prometheus.url}${path}`)).json()) as { data: T }).data
    const targets = await until(
      () => api<{ activeTargets: Target[] }>('/api/v1/targets'),
      ({ activeTargets }) => activeTargets.length === 2 && activeTargets.every((target) => target.health !== 'unknown'),
      () => `both targets scraped (Prometheus log: ${prometheus.log()})`,
    )
    const byJob = Object.fromEntries(targets.activeTargets.map((target) => [target.labels.job, target]))
    expect(byJob.prodcheck).toMatchObject({ health: 'up', lastError: '' })
    expect(byJob.broken).toMatchObject({ health: 'down', lastError: expect.stringContaining('EOF') })
    // what Prometheus asked for, and what that request gets
    expect(accepts[0]).toMatch(/^application\/openmetrics-text;version=1\.0\.0,/)
    const answer = await fetch(`http://${address(server)}/metrics`, { headers: { accept: accepts[0] ?? '' } })
    expect(answer.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8')
    expect(await answer.text()).toMatch(/\n# EOF\n$/)

    const query = async (expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> =>
      (await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`/api/v1/query?query=${encodeURIComponent(expr)}`))
        .result
    expect((await query('prodcheck_runs_total'))[0]?.value[1]).toBe('1')
    expect(await query('prodcheck_http_duration_seconds{phase="processing"}')).toEqual([
      {
        metric: {
          __name__: 'prodcheck_http_duration_seconds',
          check: 'api is up',
          tier: 'smoke',
          file: 'prod-tests/api.test.ts',
          phase: 'processing',
          env: 'prod',
          job: 'prodcheck',
          instance: address(server),
        },
        value: [expect.any(Number), '0.025'],
      },
    ])
    const [chain] = await query('prodcheck_ssl_last_chain_info')
    expect(chain?.metric).toMatchObject({
      check: 'tls "edge"',
      subject: 'CN=api.internal,O=Example\\, Inc.',
      issuer: 'CN=R3',
      serial: '04a1',
      fingerprint_sha256: 'f'.repeat(64),
    })
    expect((await query('prodcheck_ssl_earliest_cert_expiry'))[0]?.value[1]).toBe(String(Date.parse('2027-03-01T00:00:00Z') / 1000))
    expect((await query('count(prodcheck_check_duration_seconds_bucket)'))[0]?.value[1]).toBe('26')
  } finally {
    await prometheus.stop()
    await new Promise((done) => server.close(done))
    await new Promise((done) => broken.close(done))
  }
})
