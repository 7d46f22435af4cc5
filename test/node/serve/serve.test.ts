import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { prodcheck, type ServeProcess, startServe } from '../../support/cli.ts'
import { freePort, type Running, startHttp, startSilent } from '../../support/servers.ts'

const BASIC = resolve(import.meta.dirname, '../../fixtures/projects/basic')
const TOKEN = 'serve-token-0123456789abcdef'

let api: Running
beforeAll(async () => {
  api = await startHttp((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'))
})
afterAll(async () => {
  await api.close()
})

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; type: string | null; body: string; headers: Headers }> {
  const response = await fetch(url, init)
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text(), headers: response.headers }
}

/** What Prometheus 2.x sends: OpenMetrics first. */
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
const OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8'

/** `promtool check metrics` on `text` (Debian's `prometheus` package; .ci/run installs it). */
function checkMetrics(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done, reject) => {
    const child = spawn('/usr/bin/promtool', ['check', 'metrics'])
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk))
    child.on('error', reject)
    child.on('close', (code) => done({ code, output }))
    child.stdin.end(text)
  })
}

describe('prodcheck serve', () => {
  let serve: ServeProcess
  beforeAll(async () => {
    // a slow first run (two files of 300 ms checks) to see the state before it completes
    serve = await startServe(BASIC, ['--interval', '60s'], { API_URL: api.url, SMOKE_URL: `http://127.0.0.1:${await freePort()}/down` })
  })
  afterAll(async () => {
    await serve?.stop()
  })

  test('answers 503 "warn" before the first run completes', async () => {
    const health = await get(`${serve.url}/health`)
    expect(health.status).toBe(503)
    expect(health.type).toBe('application/health+json')
    expect(JSON.parse(health.body)).toMatchObject({ status: 'warn', notes: ['no run has completed yet'] })
  })

  test('/health: the smoke checks, 503 when one fails', async () => {
    await serve.firstRuns()
    const health = await get(`${serve.url}/health`)
    expect(health.status).toBe(503)
    const document = JSON.parse(health.body)
    expect(document.status).toBe('fail')
    expect(Object.keys(document.checks).sort()).toEqual(['api is up:responseTime', 'the optional smoke check:responseTime'])
    expect(document.checks['the optional smoke check:responseTime'][0]).toMatchObject({ status: 'fail', tier: 'smoke' })
    expect(document).toMatchObject({ startedAt: expect.any(String), finishedAt: expect.any(String) })
  })

  test('/diagnostics: every check, with the cause of failures (every line, then the fix) and since when', async () => {
    const document = JSON.parse((await get(`${serve.url}/diagnostics`)).body)
    expect(Object.keys(document.checks)).toHaveLength(18)
    // one run of each tier
    expect(document.runs).toBe(2)
    expect(document.checks['the optional smoke check:responseTime'][0]).toMatchObject({
      status: 'fail',
      since: expect.any(String),
      output: expect.stringMatching(
        /^toRespondHttp http:\/\/127\.0\.0\.1:\d+\/down: ECONNREFUSED: connection refused by 127\.0\.0\.1:\d+\nfix: nothing is listening there: is the service running, and are host and port right\?$/,
      ),
    })
    // checks of the same name in two files (slow-a, slow-b) each carry their own "since"
    expect(Object.keys(document.checks)).toContain('slow check 0 (prod-tests/slow-b.test.ts):responseTime')
    for (const [key, observations] of Object.entries(document.checks as Record<string, Array<{ since?: string }>>)) {
      for (const observation of observations) expect(observation.since, key).toEqual(expect.any(String))
    }
  })

  test('/metrics: Prometheus text with the check series', async () => {
    const metrics = await get(`${serve.url}/metrics`)
    expect(metrics.type).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(metrics.body).toMatch(/^prodcheck_check_up\{check="api is up",tier="smoke",file="prod-tests\/api\.test\.ts"\} 1$/m)
    expect(metrics.body).toMatch(/^prodcheck_check_up\{check="the optional smoke check",tier="smoke",file="prod-tests\/api\.test\.ts"\} 0$/m)
    expect(metrics.body).toMatch(
      /^prodcheck_check_duration_seconds_bucket\{le="0\.5",check="api is up",tier="smoke",file="prod-tests\/api\.test\.ts"\} 1$/m,
    )
    expect(metrics.body).toMatch(/^prodcheck_run_duration_seconds [\d.]+$/m)
    expect(metrics.body).toMatch(/^prodcheck_last_run_timestamp_seconds \d+(\.\d+)?$/m)
    expect(metrics.body).toMatch(/^prodcheck_runs_total 2$/m)
  })

  test('/metrics: OpenMetrics when Accept asks for it, as Prometheus does; Prometheus text otherwise; both with the HTTP detail', async () => {
    const open = await get(`${serve.url}/metrics`, { headers: { accept: PROMETHEUS_ACCEPT } })
    expect(open.type).toBe(OPENMETRICS)
    expect(open.headers.get('vary')).toBe('Accept')
    expect(open.body).toMatch(/\n# EOF\n$/)
    expect(open.body.match(/# EOF/g)).toHaveLength(1)
    expect(open.body).toMatch(/^# TYPE prodcheck_runs counter\nprodcheck_runs_total 2$/m)
    const text = await get(`${serve.url}/metrics`, { headers: { accept: 'text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5' } })
    expect(text.type).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(text.headers.get('vary')).toBe('Accept')
    expect(text.body).not.toContain('# EOF')
    expect(text.body).toMatch(/^# TYPE prodcheck_runs_total counter\nprodcheck_runs_total 2$/m)
    expect(await checkMetrics(text.body)).toEqual({ code: 0, output: '' })
    const api = 'check="api is up",tier="smoke",file="prod-tests/api\\.test\\.ts"'
    for (const body of [open.body, text.body]) {
      expect(body).toMatch(new RegExp(`^prodcheck_http_status_code\\{${api}\\} 200$`, 'm'))
      expect(body).toMatch(new RegExp(`^prodcheck_http_version\\{${api}\\} 1\\.1$`, 'm'))
      expect(body).toMatch(new RegExp(`^prodcheck_http_redirects\\{${api}\\} 0$`, 'm'))
      for (const phase of ['connect', 'processing', 'transfer']) {
        expect(body).toMatch(new RegExp(`^prodcheck_http_duration_seconds\\{${api},phase="${phase}"\\} \\d[\\d.e-]*$`, 'm'))
      }
      // the check that got no answer has no HTTP detail: prodcheck_check_up says it is down
      expect(body).not.toMatch(/^prodcheck_http_status_code\{check="the optional smoke check"/m)
    }
    // HEAD negotiates the same way
    const head = await fetch(`${serve.url}/metrics`, { method: 'HEAD', headers: { accept: 'application/openmetrics-text' } })
    expect(head.headers.get('content-type')).toBe(OPENMETRICS)
    expect(await head.text()).toBe('')
  })

  test('/: the status page', async () => {
    const page = await get(`${serve.url}/`)
    expect(page.type).toBe('text/html; charset=utf-8')
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    )
    expect(page.body).toContain('<meta http-equiv="refresh" content="60; url=?">')
    expect(page.body.match(/<tr data-status="/g)).toHaveLength(18)
  })

  test('requests are served from the cache: they never start a run', async () => {
    await Promise.all(Array.from({ length: 300 }, (_, i) => get(`${serve.url}${['/health', '/metrics', '/', '/diagnostics'][i % 4]}`)))
    expect((await get(`${serve.url}/metrics`)).body).toMatch(/^prodcheck_runs_total 2$/m)
    expect(serve.stderr().match(/(smoke|diagnostic) run \d+:/g)).toEqual(
      ['smoke run 1:', 'diagnostic run 1:'].sort((a, b) => serve.stderr().indexOf(a) - serve.stderr().indexOf(b)),
    )
  })

  test('unknown routes 404, other methods 405', async () => {
    expect((await get(`${serve.url}/admin`)).status).toBe(404)
    const post = await get(`${serve.url}/health`, { method: 'POST' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
    const head = await get(`${serve.url}/health`, { method: 'HEAD' })
    expect(head).toMatchObject({ status: 503, body: '' })
  })

  test('stops on SIGTERM, exit 0, within 5 s', async () => {
    const { code, ms } = await serve.stop('SIGTERM')
    expect(code).toBe(0)
    expect(ms).toBeLessThan(5000)
  })
})

describe('prodcheck serve with a token', () => {
  test('/health stays open; every other route needs the bearer token', async () => {
    const serve = await startServe(BASIC, ['--interval', '60s', '--token', TOKEN, 'prod-tests/api.test.ts'], { API_URL: api.url })
    try {
      await serve.firstRuns()
      expect((await get(`${serve.url}/health`)).status).toBe(200)
      for (const path of ['/', '/metrics', '/diagnostics']) {
        const anonymous = await get(`${serve.url}${path}`)
        expect(anonymous.status).toBe(401)
        expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="prodcheck"')
        expect((await get(`${serve.url}${path}`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401)
        expect((await get(`${serve.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200)
      }
      expect(serve.stderr()).not.toContain(TOKEN)
    } finally {
      expect((await serve.stop('SIGINT')).code).toBe(0)
    }
  })

  test('--label adds constant labels to every series; budgets and the interval are exported for the alert rules', async () => {
    const serve = await startServe(
      BASIC,
      ['--interval', '45s', '--token', TOKEN, '--label', 'env=prod', '--label', 'region=eu-west', 'prod-tests/api.test.ts'],
      { API_URL: api.url },
    )
    try {
      await serve.firstRuns()
      const metrics = (await get(`${serve.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).body
      const series = metrics.split('\n').filter((line) => line !== '' && !line.startsWith('#'))
      expect(series.length).toBeGreaterThan(20)
      for (const line of series) expect(line).toMatch(/\{(.*,)?env="prod",region="eu-west"(,.*)?\} /)
      expect(metrics).toMatch(
        /^prodcheck_check_up\{check="api is up",tier="smoke",file="prod-tests\/api\.test\.ts",env="prod",region="eu-west"\} 1$/m,
      )
      // the one check with a maxLatencyMs has a budget; the others have none
      expect(series.filter((line) => line.startsWith('prodcheck_check_latency_budget_seconds'))).toEqual([
        'prodcheck_check_latency_budget_seconds{check="api is up",tier="smoke",file="prod-tests/api.test.ts",env="prod",region="eu-west"} 2',
      ])
      expect(metrics).toMatch(/^prodcheck_interval_seconds\{env="prod",region="eu-west"\} 45$/m)
    } finally {
      await serve.stop()
    }
  })

  test('reads the token from PRODCHECK_TOKEN', async () => {
    const serve = await startServe(BASIC, ['--interval', '60s', 'prod-tests/api.test.ts'], { API_URL: api.url, PRODCHECK_TOKEN: TOKEN })
    try {
      expect((await get(`${serve.url}/metrics`)).status).toBe(401)
    } finally {
      await serve.stop()
    }
  })
})

describe('prodcheck serve: /metrics before the first run', () => {
  test('has the run series (prodcheck_runs_total 0, which ProdcheckNeverRan alerts on), in either format', async () => {
    // the check waits for an answer that never comes: the first run lasts until its deadline
    const silent = await startSilent()
    const serve = await startServe(BASIC, ['--interval', '60s', 'prod-tests/api.test.ts'], { API_URL: silent.url })
    try {
      const text = await get(`${serve.url}/metrics`)
      expect(text.body).toMatch(/^prodcheck_runs_total 0$/m)
      expect(text.body).toMatch(/^prodcheck_interval_seconds 60$/m)
      expect(text.body).not.toMatch(/^prodcheck_check_up\{/m)
      expect(await checkMetrics(text.body)).toEqual({ code: 0, output: '' })
      const open = await get(`${serve.url}/metrics`, { headers: { accept: 'application/openmetrics-text' } })
      expect(open.type).toBe(OPENMETRICS)
      expect(open.body).toMatch(/^prodcheck_runs_total 0\n[\s\S]*\n# EOF\n$/m)
      expect(serve.stderr()).not.toMatch(/run 1:/)
    } finally {
      await serve.stop()
      await silent.close()
    }
  })
})

describe('prodcheck serve: refusals', () => {
  test('will not bind a non-loopback address without a token', async () => {
    const run = await prodcheck(BASIC, ['serve', '--host', '0.0.0.0', '--port', '0'])
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(
      'prodcheck: refusing to bind 0.0.0.0 without a token: the results would be open to the network. Give --token or PRODCHECK_TOKEN (or bind 127.0.0.1)\n',
    )
  })

  test.each([
    [['--port', 'http'], /--port takes a port number/],
    [['--interval', 'often'], /--interval takes a duration/],
    [['--token', 'short'], /the token must be at least 16 characters/],
    [['--label', 'check=x'], /--label check is reserved/],
    [['--label', 'not a label'], /--label takes key=value/],
  ])('%j: exit 2, one line', async (args, message) => {
    const run = await prodcheck(BASIC, ['serve', ...args])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(message)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
  })

  test('says when the port is in use', async () => {
    const taken = await startHttp((_, res) => res.end())
    try {
      const run = await prodcheck(BASIC, ['serve', '--port', String(taken.port)], { API_URL: api.url })
      expect(run.code).toBe(2)
      expect(run.stderr).toBe(`prodcheck: port ${taken.port} on 127.0.0.1 is in use\n`)
    } finally {
      await taken.close()
    }
  })
})
