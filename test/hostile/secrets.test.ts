// Secrets in targets, headers and the environment, through every output: matcher
// messages, Vitest's own reporters (default, JSON, JUnit), the prodcheck reporter (table
// and health+json), `prodcheck run` in every format, and every endpoint of `prodcheck serve`.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { prodcheck, startServe } from '../support/cli.ts'
import { freePort, type Running, startHttp } from '../support/servers.ts'
import { runVitest } from '../support/vitest-run.ts'
import { record, writeRows } from './record.ts'

const PROJECT = resolve(import.meta.dirname, '../fixtures/projects/secrets')
const SECRETS = {
  HTTP_PASSWORD: 'Leak-Http-4401',
  QUERY_TOKEN: 'Leak-Query-4402',
  API_TOKEN: 'Leak-Bearer-4403',
  API_KEY: 'Leak-ApiKey-4404',
  PG_PASSWORD: 'Leak-Pg-4405',
  MYSQL_PASSWORD: 'Leak-My-4406',
  REDIS_PASSWORD: 'Leak-Redis-4407',
  AMQP_PASSWORD: 'Leak-Amqp-4408',
  MQTT_PASSWORD: 'Leak-Mqtt-4409',
  NATS_PASSWORD: 'Leak-Nats-4410',
  SMTP_PASSWORD: 'Leak-Smtp-4411',
  MONGO_PASSWORD: 'Leak-Mongo-4412',
  WS_PASSWORD: 'Leak-Ws-4414',
  WS_TOKEN: 'Leak-WsToken-4415',
}
// the last is a literal of a check file: Vitest prints it in the code frame of the failure
const VALUES = [...Object.values(SECRETS), Buffer.from(`admin:${SECRETS.HTTP_PASSWORD}`).toString('base64'), 'Leak-Literal-4413']

let echo: Running
let env: Record<string, string>
beforeAll(async () => {
  // answers 500 with everything it received: the request line and every header
  echo = await startHttp((req, res) =>
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`${req.method} ${req.url}\n${JSON.stringify(req.headers)}`),
  )
  env = { ...SECRETS, ECHO_PORT: String(echo.port), REFUSED_PORT: String(await freePort()) }
})
afterAll(async () => {
  await echo?.close()
  writeRows(import.meta.filename)
})

function expectNoSecret(where: string, text: string): void {
  for (const secret of VALUES) expect(text, `${where} leaks ${secret}`).not.toContain(secret)
}

describe('no secret in any output', () => {
  test('Vitest: console, JSON and JUnit reports, prodcheck table and health+json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodcheck-leak-'))
    try {
      const run = await runVitest(PROJECT, ['--project', 'prod'], { env: { ...env, REPORT_DIR: dir }, configReporters: true })
      expect(run.code).toBe(1)
      expect(run.output).toContain('12 failed')
      // the code frame is there, masked
      expect(run.output).toContain("'postgres://app:***@127.0.0.1:1/app'")
      expect(run.output).toContain('admin:***@')
      expectNoSecret('the console', run.output)
      const files = readdirSync(dir)
      expect(files.sort()).toEqual(['health.json', 'junit.xml', 'vitest.json'])
      for (const file of files) expectNoSecret(file, readFileSync(join(dir, file), 'utf8'))
      record({
        category: 'secrets',
        case: '15 secrets, 12 failing checks',
        check: 'Vitest console, JSON, JUnit, prodcheck table and health+json',
        outcome: 'no secret in any output',
        ms: run.ms,
        limitMs: 0,
      })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test.each(['text', 'json', 'junit', 'tap', 'nagios'])('prodcheck run --format %s', async (format) => {
    const run = await prodcheck(PROJECT, ['run', '--format', format], env)
    expect(run.code).toBe(format === 'nagios' ? 2 : 1)
    expectNoSecret(`run --format ${format}`, `${run.stdout}${run.stderr}`)
    record({
      category: 'secrets',
      case: '15 secrets, 12 failing checks',
      check: `prodcheck run --format ${format}`,
      outcome: 'no secret in stdout or stderr',
      ms: run.ms,
      limitMs: 0,
    })
  })

  test('prodcheck serve: every endpoint', async () => {
    const serve = await startServe(PROJECT, ['--interval', '60s'], env)
    try {
      await serve.firstRuns()
      for (const path of ['/health', '/diagnostics', '/metrics', '/']) {
        const body = await (await fetch(`${serve.url}${path}`)).text()
        expect(body.length).toBeGreaterThan(100)
        expectNoSecret(`GET ${path}`, body)
      }
      expectNoSecret('serve logs', serve.stderr())
      record({
        category: 'secrets',
        case: '15 secrets, 12 failing checks',
        check: 'prodcheck serve /health /diagnostics /metrics /',
        outcome: 'no secret in any response or log',
        ms: 0,
        limitMs: 0,
      })
    } finally {
      await serve.stop()
    }
  })
})
