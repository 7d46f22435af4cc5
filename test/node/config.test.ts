import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { DEFAULT_INCLUDE, defineProdProject } from '../../src/node/config.ts'
import { type Running, startHttp, startSilent } from '../support/servers.ts'
import { runVitest, statuses } from '../support/vitest-run.ts'

const BASIC = resolve(import.meta.dirname, '../fixtures/projects/basic')

describe('defineProdProject', () => {
  test('returns the prod project: checks, environment, setup, runner, tags, timeouts, pool', () => {
    const { test: project } = defineProdProject()
    expect(project).toMatchObject({
      name: 'prod',
      include: DEFAULT_INCLUDE,
      environmentOptions: { prodcheck: { timeoutMs: 5000 } },
      testTimeout: 6000,
      maxConcurrency: 100,
      retry: 0,
      tags: [
        { name: 'smoke', timeout: 3000, retry: 0, priority: 1, meta: { prodcheckTimeoutMs: 2000 } },
        { name: 'diagnostic', timeout: 6000, retry: 0, priority: 2, meta: { prodcheckTimeoutMs: 5000 } },
      ],
      pool: 'threads',
      isolate: false,
      sequence: { groupOrder: 1 },
    })
    for (const path of [project?.environment, project?.runner, ...((project?.setupFiles ?? []) as string[])])
      expect(path).toMatch(/^\/.*\/src\/worker\/(environment|runner|vitest)\.ts$/)
  })

  test('takes the options of the contract', () => {
    const { test: project } = defineProdProject({
      include: ['checks/*.ts'],
      timeoutMs: 8000,
      smokeTimeoutMs: 1500,
      retry: { count: 2, delay: 500 },
      maxConcurrency: 20,
      tags: [{ name: 'slow' }],
    })
    expect(project).toMatchObject({
      include: ['checks/*.ts'],
      testTimeout: 9000,
      retry: { count: 2, delay: 500 },
      maxConcurrency: 20,
      environmentOptions: { prodcheck: { timeoutMs: 8000 } },
    })
    expect(project?.tags?.[0]).toMatchObject({ name: 'smoke', timeout: 2500, retry: 0, meta: { prodcheckTimeoutMs: 1500 } })
    expect(project?.tags?.[1]).toMatchObject({
      name: 'diagnostic',
      timeout: 9000,
      retry: { count: 2, delay: 500 },
      meta: { prodcheckTimeoutMs: 8000 },
    })
    expect(project?.tags?.map((t) => t.name)).toEqual(['smoke', 'diagnostic', 'slow'])
  })

  test('rejects bad options with a clear message', () => {
    expect(() => defineProdProject({ timeoutMs: -5 })).toThrow('defineProdProject: timeoutMs must be a positive number, got -5')
    expect(() => defineProdProject({ retry: 1.5 })).toThrow(
      'defineProdProject: retry must be a whole number, or { count, delay } with a delay in ms; got 1.5',
    )
    expect(() => defineProdProject({ smokeTimeoutMs: 0 })).toThrow('defineProdProject: smokeTimeoutMs must be a positive number, got 0')
    expect(() => defineProdProject({ tags: [{ name: 'smoke' }] })).toThrow('defineProdProject: the tag "smoke" is already declared by prodcheck')
  })
})

describe('vitest run --project prod, on a project with unit tests and checks', () => {
  let api: Running
  let silent: Running
  let inFlight = 0
  let maxInFlight = 0
  let flakyCalls = 0
  beforeAll(async () => {
    api = await startHttp((req, res) => {
      if (req.url === '/flaky') {
        flakyCalls++
        res.writeHead(flakyCalls % 2 === 1 ? 503 : 200).end()
        return
      }
      if (req.url === '/slow') {
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        setTimeout(() => {
          inFlight--
          res.end('ok')
        }, 300)
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')
    })
    silent = await startSilent()
  })
  afterAll(async () => {
    await api.close()
    await silent.close()
  })

  test('runs only the checks, concurrently within and across files, and exits 0', async () => {
    maxInFlight = 0
    const run = await runVitest(BASIC, ['--project', 'prod'], { env: { API_URL: api.url } })
    expect(run.code, run.output).toBe(0)
    expect(run.report?.testResults.map((f) => f.name.replace(`${BASIC}/`, '')).sort()).toEqual([
      'prod-tests/api.test.ts',
      'prod-tests/slow-a.test.ts',
      'prod-tests/slow-b.test.ts',
    ])
    expect(run.report?.numPassedTests).toBe(18)
    // 12 checks of 300 ms in two files: all in flight at once
    expect(maxInFlight).toBe(12)
  })

  test('exits 1 when a check fails, with the matcher message in the output', async () => {
    const run = await runVitest(BASIC, ['--project', 'prod', 'prod-tests/api.test.ts'], {
      env: { API_URL: api.url, FAIL_URL: `${api.url.replace(/:\d+$/, ':1')}/x` },
    })
    expect(run.code).toBe(1)
    expect(statuses(run.report)).toMatchObject({ 'the optional failing check': 'failed', 'api is up': 'passed' })
    expect(run.output).toContain('toRespondHttp: http://127.0.0.1:1/x')
    expect(run.output).toContain('observed  ECONNREFUSED: connection refused by 127.0.0.1:1')
  })

  test('filters tiers with --tags-filter', async () => {
    const run = await runVitest(BASIC, ['--project', 'prod', '--tags-filter', 'smoke', 'prod-tests/api.test.ts'], { env: { API_URL: api.url } })
    expect(run.code).toBe(0)
    expect(statuses(run.report)).toMatchObject({
      'api is up': 'passed',
      'api answers JSON': 'skipped',
      'an untagged check': 'skipped',
      'the optional smoke check': 'passed',
    })
    // checks without a tier count as diagnostic: "not smoke" selects them
    const diagnostic = await runVitest(BASIC, ['--project', 'prod', '--tags-filter', '!smoke', 'prod-tests/api.test.ts'], {
      env: { API_URL: api.url },
    })
    expect(statuses(diagnostic.report)).toMatchObject({ 'api is up': 'skipped', 'api answers JSON': 'passed', 'an untagged check': 'passed' })
  })

  test('applies the check deadline of the project, before the test timeout', async () => {
    const run = await runVitest(BASIC, ['--project', 'prod', 'prod-tests/api.test.ts'], {
      env: { API_URL: api.url, FAIL_URL: silent.url, CHECK_TIMEOUT_MS: '300' },
    })
    expect(run.code).toBe(1)
    expect(run.output).toMatch(/no response from 127\.0\.0\.1:\d+ within 300 ms/)
    expect(run.output).not.toMatch(/Test timed out/)
  })

  test('a plain `vitest run` runs the unit tests, then the checks', async () => {
    const run = await runVitest(BASIC, [], { env: { API_URL: api.url } })
    expect(run.code, run.output).toBe(0)
    expect(run.report?.numPassedTests).toBe(19)
  })

  test('gives smoke checks their own, shorter deadline', async () => {
    const run = await runVitest(BASIC, ['--project', 'prod', 'prod-tests/api.test.ts'], {
      env: { API_URL: api.url, SMOKE_URL: silent.url, SMOKE_TIMEOUT_MS: '300' },
    })
    expect(run.code).toBe(1)
    expect(statuses(run.report)).toMatchObject({ 'the optional smoke check': 'failed', 'api is up': 'passed' })
    expect(run.output).toMatch(/no response from 127\.0\.0\.1:\d+ within 300 ms/)
    expect(run.output).not.toMatch(/Test timed out/)
  })

  test('reports a check that passed only after a retry as degraded, in the table and in health+json', async () => {
    const health = join(mkdtempSync(join(tmpdir(), 'prodcheck-health-')), 'health.json')
    const run = await runVitest(BASIC, ['--project', 'prod', 'prod-tests/api.test.ts'], {
      env: { API_URL: api.url, FLAKY_URL: `${api.url}/flaky`, RETRY: '1', PRODCHECK_REPORTERS: '1', HEALTH_FILE: health },
      configReporters: true,
    })
    expect(run.code, run.output).toBe(0)
    expect(run.output).toMatch(/^diagnostic +the optional flaky check +http:\/\/127\.0\.0\.1:\d+\/flaky +WARN \(retried 1×\) +[\d.]+ ms$/m)
    expect(run.output).toMatch(/^smoke +api is up +http:\/\/127\.0\.0\.1:\d+\/health +pass +[\d.]+ ms$/m)
    expect(run.output).toMatch(/^5 passed, 1 degraded, 0 failed, slowest: .+ [\d.]+ ms$/m)
    const document = JSON.parse(readFileSync(health, 'utf8'))
    expect(document).toMatchObject({ status: 'warn', description: 'prodcheck', notes: ['5 passed, 1 degraded, 0 failed'] })
    expect(document.checks['the optional flaky check:responseTime']).toEqual([
      {
        componentId: `${api.url}/flaky`,
        componentType: 'component',
        observedValue: expect.any(Number),
        observedUnit: 'ms',
        status: 'warn',
        time: expect.any(String),
        output: 'passed after 1 retry',
        tier: 'diagnostic',
        file: 'prod-tests/api.test.ts',
        matcher: 'toRespondHttp',
      },
    ])
    expect(document.checks['api is up:responseTime'][0]).toMatchObject({ status: 'pass', tier: 'smoke' })
  })

  test('writes latencies into JUnit reports, as properties', async () => {
    const junit = join(mkdtempSync(join(tmpdir(), 'prodcheck-junit-')), 'junit.xml')
    const run = await runVitest(BASIC, ['--project', 'prod', 'prod-tests/api.test.ts', '--reporter=junit', `--outputFile.junit=${junit}`], {
      env: { API_URL: api.url },
    })
    expect(run.code, run.output).toBe(0)
    expect(readFileSync(junit, 'utf8')).toMatch(
      /<testcase classname="prod-tests\/api\.test\.ts" name="api is up" [^>]*>\s*<properties>\s*<property name="prodcheck" value="toRespondHttp http:\/\/127\.0\.0\.1:\d+\/health: HTTP 200 OK \([\d.]+ ms\)">/,
    )
  })

  test('the unit project still runs on its own', async () => {
    const run = await runVitest(BASIC, ['--project', 'unit'])
    expect(run.code).toBe(0)
    expect(statuses(run.report)).toEqual({ 'a unit test that the prod project must not run': 'passed' })
  })
})
