// Every output, read whole, for every planted secret: Vitest's console, its JSON report (meta
// included) and its JUnit report, the prodcheck reporter's table and health+json, `prodcheck
// run` in every format, and every endpoint of `prodcheck serve`, anonymous and with the token.
// The secrets go where the matchers' redaction does not look: test names, plain assertions,
// thrown errors, console output, Vitest's own Expected/Received, passing records, echoed
// cookies, headers and parameters. And names that try to forge a report: each format must
// still be read by its consumer as one check per test.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { prodcheck, startServe } from '../support/cli.ts'
import { freePort, type Running, startHttp } from '../support/servers.ts'
import { runVitest } from '../support/vitest-run.ts'
import { record, writeRows } from './record.ts'

const PROJECT = resolve(import.meta.dirname, '../fixtures/projects/outputs')
const LEAKS = 'prod-tests/leaks.test.ts'
const NAMES = ['prod-tests/names.test.ts', 'prod-tests/names-b.test.ts']
const TOKEN = 'Serve-Token-000000000001'
const SECRETS = {
  DB_PASSWORD: 'Out-DbPass-5101',
  API_TOKEN: 'Out-ApiToken-5102',
  V1: 'Out-DsnPass-5103',
  V2: 'Out-SessionId-5104',
  V3: 'Out-Sessionid-5105',
  V4: 'Out-Otp-5106',
  V5: 'Out-CookieA-5107',
  V6: 'Out-CookieB-5108',
  V7: 'Out-XAuth-5109',
  V8: 'Out-HubSig-5110',
  V9: 'Out-XSession-5111',
  V10: 'Out-NameLeakPassword-5112-long-enough-to-be-cut',
  LONG_TOKEN: 'Out-LongToken-5113-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
  DB_PASSWORD2: 'Out-PwTwo-5114',
  PRIVATE_KEY: '-----BEGIN TEST KEY-----\nOutKeyLineOne5115AAAA\nOutKeyLineTwo5116BBBB\n-----END TEST KEY-----',
}
// every secret whole, its distinctive middle (a report may show a secret cut), and each line of the key
const VALUES = [
  ...Object.values(SECRETS)
    .flatMap((value) => value.split('\n'))
    .flatMap((value) => [value, value.slice(4, 16)]),
  TOKEN,
]

let echo: Running
let api: Running
let env: Record<string, string>
beforeAll(async () => {
  // answers 500 with every value it received, one by one, without their names
  echo = await startHttp((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const cookies = String(req.headers.cookie ?? '')
      .split(';')
      .map((c) => c.split('=')[1] ?? '')
    const values = [
      ...url.searchParams.values(),
      ...cookies,
      ...['x-auth', 'x-hub-signature-256', 'x-session-id'].map((h) => String(req.headers[h] ?? '')),
    ]
    res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'other', echo: values.join(' ') }))
  })
  api = await startHttp((req, res) => res.writeHead(req.url === '/missing' ? 404 : 200).end('ok'))
  env = { ...SECRETS, ECHO_PORT: String(echo.port), REFUSED_PORT: String(await freePort()), API_URL: api.url }
})
afterAll(async () => {
  await echo?.close()
  await api?.close()
  writeRows(import.meta.filename)
})

function expectNoSecret(where: string, text: string): void {
  for (const secret of VALUES) expect(text, `${where} leaks ${secret}`).not.toContain(secret)
}

describe('no secret in any output', () => {
  test('Vitest: console, JSON report (with meta), JUnit; the prodcheck table and health+json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodcheck-outputs-'))
    try {
      const run = await runVitest(PROJECT, ['--project', 'prod', LEAKS], { env: { ...env, REPORT_DIR: dir }, configReporters: true })
      expect(run.code).toBe(1)
      // the checks ran and reported: what is masked is there, masked
      expect(run.output).toContain('db postgres://app:***@127.0.0.1')
      expect(run.output).toContain('using token ***')
      expectNoSecret('the console', run.output)
      const files = readdirSync(dir).sort()
      expect(files).toEqual(['health.json', 'junit.xml', 'vitest.json'])
      for (const file of files) expectNoSecret(file, readFileSync(join(dir, file), 'utf8'))
      const report = JSON.parse(readFileSync(join(dir, 'vitest.json'), 'utf8'))
      const meta = JSON.stringify(
        report.testResults.flatMap((f: { assertionResults: Array<{ meta?: unknown }> }) => f.assertionResults.map((a) => a.meta)),
      )
      expect(meta).toContain('toConnectToDatabase')
      record({
        category: 'secrets',
        case: '11 secrets in names, assertions, errors, logs, expectations, records, echoes',
        check: 'Vitest console, JSON (meta), JUnit; prodcheck table, health+json',
        outcome: 'no secret in any output',
        ms: run.ms,
        limitMs: 0,
      })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test.each(['text', 'json', 'junit', 'tap', 'nagios'])('prodcheck run --format %s', async (format) => {
    const run = await prodcheck(PROJECT, ['run', '--format', format, LEAKS], env)
    expect(run.code).toBe(format === 'nagios' ? 2 : 1)
    expect(run.stdout.length).toBeGreaterThan(50)
    expectNoSecret(`run --format ${format}`, `${run.stdout}${run.stderr}`)
    record({
      category: 'secrets',
      case: '11 secrets in names, assertions, errors, logs, expectations, records, echoes',
      check: `prodcheck run --format ${format}`,
      outcome: 'no secret in stdout or stderr',
      ms: run.ms,
      limitMs: 0,
    })
  })

  test('prodcheck serve, with a token: every endpoint, anonymous and authorized; its logs', async () => {
    const serve = await startServe(PROJECT, ['--interval', '60s', '--token', TOKEN, LEAKS], env)
    try {
      await serve.firstRuns()
      const authorized = { authorization: `Bearer ${TOKEN}` }
      for (const path of ['/health', '/diagnostics', '/metrics', '/']) {
        const body = await (await fetch(`${serve.url}${path}`, { headers: authorized })).text()
        expect(body.length).toBeGreaterThan(100)
        expectNoSecret(`GET ${path}`, body)
      }
      const anonymous = await fetch(`${serve.url}/health`)
      expectNoSecret('anonymous GET /health', await anonymous.text())
      expectNoSecret('serve logs', serve.stderr())
    } finally {
      await serve.stop()
    }
  })
})

describe('anonymous /health tells the status and the counts, nothing of the topology', () => {
  test('with a token: anonymous callers get status and counts; the token opens the details; loopback without a token shows them', async () => {
    const guarded = await startServe(PROJECT, ['--interval', '60s', '--token', TOKEN, ...NAMES], env)
    const open = await startServe(PROJECT, ['--interval', '60s', ...NAMES], env)
    try {
      await Promise.all([guarded.firstRuns(), open.firstRuns()])
      const anonymous = await fetch(`${guarded.url}/health`)
      const body = await anonymous.json()
      expect(anonymous.status).toBe(200)
      expect(anonymous.headers.get('content-type')).toBe('application/health+json')
      expect(Object.keys(body).sort()).toEqual(['description', 'notes', 'status'])
      expect(body).toMatchObject({ status: 'pass', notes: ['1 passed, 0 degraded, 0 failed'] })
      const text = JSON.stringify(body)
      for (const detail of ['127.0.0.1', 'ok 99', 'toRespondHttp', 'HTTP 200', 'names.test.ts']) expect(text).not.toContain(detail)
      const detailed = await (await fetch(`${guarded.url}/health`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()
      expect(Object.keys(detailed.checks).length).toBeGreaterThan(0)
      expect(JSON.stringify(detailed)).toContain('127.0.0.1')
      const loopback = await (await fetch(`${open.url}/health`)).json()
      expect(Object.keys(loopback.checks).length).toBeGreaterThan(0)
    } finally {
      await Promise.all([guarded.stop(), open.stop()])
    }
  })
})

describe('names that try to forge a report', () => {
  test('TAP: one test point per check, no line a name could add', async () => {
    const run = await prodcheck(PROJECT, ['run', '--format', 'tap', ...NAMES], env)
    const lines = run.stdout.split('\n')
    const plan = Number(/^1\.\.(\d+)$/m.exec(run.stdout)?.[1])
    expect(plan).toBe(7)
    expect(lines.filter((line) => /^(not )?ok \d+/.test(line))).toHaveLength(7)
    expect(lines.filter((line) => /^ok 99\b/.test(line))).toEqual([])
    expect(lines.filter((line) => /^not ok /.test(line))).toHaveLength(1)
  })

  test('Nagios: one status line, then a line a check that no name can forge; perfdata labels unique, without quote, = or line break', async () => {
    const run = await prodcheck(PROJECT, ['run', '--format', 'nagios', ...NAMES], env)
    // the checks are untagged, diagnostic: a failure is a WARNING
    expect(run.code).toBe(1)
    const [status, ...rest] = run.stdout.trimEnd().split('\n')
    expect(status).toMatch(/^PRODCHECK WARNING - /)
    for (const line of rest) expect(line).toMatch(/^(PASS|FAIL|WARN) |^ {2}\S/)
    expect(rest.filter((line) => /^(PASS|FAIL|WARN) /.test(line))).toHaveLength(7)
    const labels = [...(status?.split(' | ')[1] ?? '').matchAll(/'([^']*)'=/g)].map((m) => m[1])
    expect(labels).toHaveLength(7)
    expect(new Set(labels).size).toBe(7)
    for (const label of labels) expect(label).not.toMatch(/['=\n|]/)
  })

  test('JUnit: well-formed XML, as a real parser reads it, one testcase per check', async () => {
    const run = await prodcheck(PROJECT, ['run', '--format', 'junit', ...NAMES], env)
    const parsed = execFileSync(
      'python3',
      [
        '-c',
        'import sys, xml.dom.minidom as m; d = m.parseString(sys.stdin.buffer.read()); print(len(d.getElementsByTagName("testcase")), len(d.getElementsByTagName("failure")))',
      ],
      { input: run.stdout },
    )
      .toString()
      .trim()
    expect(parsed).toBe('7 1')
  })

  test('health+json and /metrics: checks of the same name stay distinct, the failing one with them', async () => {
    const run = await prodcheck(PROJECT, ['run', '--format', 'json', ...NAMES], env)
    const document = JSON.parse(run.stdout)
    const keys = Object.keys(document.checks)
    // one of them is named like the key made for another: still 7 keys, the failing one among them
    expect(keys).toHaveLength(7)
    const same = keys.filter((key) => key.startsWith('same name'))
    expect(same).toHaveLength(5)
    expect(same.map((key) => document.checks[key][0].status).sort()).toEqual(['fail', 'pass', 'pass', 'pass', 'pass'])
    const serve = await startServe(PROJECT, ['--interval', '60s', ...NAMES], env)
    try {
      await serve.firstRuns()
      const metrics = await (await fetch(`${serve.url}/metrics`)).text()
      const series = metrics.split('\n').filter((line) => line.startsWith('prodcheck_check_up{'))
      expect(series).toHaveLength(7)
      expect(series.filter((line) => line.endsWith(' 0'))).toHaveLength(1)
      const promtool = execFileSync('promtool', ['check', 'metrics'], { input: metrics }).toString()
      expect(promtool).not.toMatch(/error/i)
    } finally {
      await serve.stop()
    }
  })
})
