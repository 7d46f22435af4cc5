import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { prodcheck } from '../../support/cli.ts'
import { freePort, type Running, startHttp, startSilent } from '../../support/servers.ts'

const BASIC = resolve(import.meta.dirname, '../../fixtures/projects/basic')
const NO_PROD = resolve(import.meta.dirname, '../../fixtures/projects/no-prod')
const ONE_FILE = ['prod-tests/api.test.ts']

let api: Running
let silent: Running
let flaky = 0
let env: Record<string, string>
beforeAll(async () => {
  api = await startHttp((req, res) => {
    if (req.url === '/flaky') return void res.writeHead(++flaky % 2 === 1 ? 503 : 200).end()
    if (req.url === '/late') return void res.writeHead(Date.now() >= lateFrom ? 200 : 503).end()
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')
  })
  silent = await startSilent()
  env = { API_URL: api.url }
})
afterAll(async () => {
  await api.close()
  await silent.close()
})
let lateFrom = 0

describe('prodcheck run: usage', () => {
  test('--help and --version', async () => {
    const help = await prodcheck(BASIC, ['run', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: prodcheck run [file filters…] [options]')
    const version = await prodcheck(BASIC, ['--version'])
    expect(version).toMatchObject({ code: 0, stdout: `${JSON.parse(readFileSync(resolve(BASIC, '../../../../package.json'), 'utf8')).version}\n` })
    expect((await prodcheck(BASIC, ['--help'])).stdout).toMatch(/Commands:\n {2}run .*\n {2}serve .*\n {2}init /)
  })

  test.each([
    [['run', '--bogus'], /^prodcheck: run: Unknown option '--bogus' \(see prodcheck run --help\)\n$/],
    [['explode'], /^prodcheck: unknown command "explode": use run, serve or init/],
    [['run', '--format', 'xml'], /^prodcheck: --format takes one of text, json, junit, tap, nagios; got "xml"\n$/],
    [['run', '--smoke', '--diagnostic'], /^prodcheck: --smoke and --diagnostic exclude each other/],
    [['run', '--timeout', 'soon'], /^prodcheck: --timeout takes a duration such as 500ms, 30s, 2m or 1h; got "soon"\n$/],
    [['run', 'no-such-file'], /^prodcheck: no check file matched the filters "no-such-file" in project "prod"\n$/],
  ])('%j: exit 2, one line, no stack trace', async (args, message) => {
    const run = await prodcheck(BASIC, args, env)
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(message)
    expect(run.stderr).not.toMatch(/\n\s+at /)
    expect(run.stdout).toBe('')
  })

  test('a config without the prod project: exit 2, saying what to add', async () => {
    const run = await prodcheck(NO_PROD, ['run'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(
      /^prodcheck: no project named "prod" in the Vitest config: add defineProdProject\(\) to its projects \(prodcheck init does it\)\n$/,
    )
  })

  test('no config at all: exit 2, saying so and how to create one', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'prodcheck-empty-'))
    const run = await prodcheck(empty, ['run'])
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(
      `prodcheck: no Vitest config (vitest.config.* or vite.config.*) in ${realpathSync(empty)} or above: run \`npx prodcheck init\` to create one with the prod project\n`,
    )
  })
})

describe('prodcheck run: formats', () => {
  test('text: the table on stdout, nothing else; the summary on stderr', async () => {
    const run = await prodcheck(BASIC, ['run', ...ONE_FILE], env)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^tier +check +target +status +latency\n/)
    expect(run.stdout).toMatch(/^smoke +api is up +http:\/\/127\.0\.0\.1:\d+\/health +pass +[\d.]+ ms$/m)
    expect(run.stdout).toMatch(/\n6 passed, 0 failed, slowest: .+\n$/)
    expect(run.stdout).not.toMatch(/RUN|Test Files|✓/)
    expect(run.stderr).toMatch(/prodcheck: 6 passed, 0 failed/)
  })

  test('json: health+json that parses, pass then fail with exit 1', async () => {
    const pass = await prodcheck(BASIC, ['run', '--format', 'json', ...ONE_FILE], env)
    expect(pass.code).toBe(0)
    expect(JSON.parse(pass.stdout)).toMatchObject({
      status: 'pass',
      checks: { 'api is up:responseTime': [{ status: 'pass', observedUnit: 'ms', tier: 'smoke' }] },
    })
    const port = await freePort()
    const fail = await prodcheck(BASIC, ['run', '--format', 'json', ...ONE_FILE], { ...env, FAIL_URL: `http://127.0.0.1:${port}/x` })
    expect(fail.code).toBe(1)
    const document = JSON.parse(fail.stdout)
    expect(document.status).toBe('fail')
    // the cause, every line of it and the fix: never the summary of what came
    expect(document.checks['the optional failing check:responseTime'][0]).toMatchObject({
      status: 'fail',
      componentType: 'component',
      output: `toRespondHttp http://127.0.0.1:${port}/x: ECONNREFUSED: connection refused by 127.0.0.1:${port}\nfix: nothing is listening there: is the service running, and are host and port right?`,
    })
    expect(document.output).toBe(
      `the optional failing check: toRespondHttp http://127.0.0.1:${port}/x: ECONNREFUSED: connection refused by 127.0.0.1:${port}`,
    )
  })

  test('junit: one testsuite per file, latencies as properties, failures with their message', async () => {
    const run = await prodcheck(BASIC, ['run', '--format', 'junit', ...ONE_FILE], { ...env, FAIL_URL: `http://127.0.0.1:${await freePort()}/x` })
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="prodcheck" tests="6" failures="1" errors="0" time="[\d.]+">/,
    )
    expect(run.stdout).toContain('<testsuite name="prod-tests/api.test.ts" tests="6" failures="1"')
    expect(run.stdout).toMatch(/<property name="api is up: latency_ms" value="[\d.]+"\/>/)
    expect(run.stdout).toMatch(
      /<testcase classname="prod-tests\/api\.test\.ts" name="api is up" time="[\d.]+" file="prod-tests\/api\.test\.ts">\s*<system-out>toRespondHttp http:\/\/127\.0\.0\.1:\d+\/health: pass HTTP 200 OK \([\d.]+ ms\)<\/system-out>/,
    )
    expect(run.stdout).toMatch(
      /<failure message="toRespondHttp http:\/\/127\.0\.0\.1:\d+\/x: ECONNREFUSED: connection refused by 127\.0\.0\.1:\d+" type="ECONNREFUSED">toRespondHttp http:\/\/127\.0\.0\.1:\d+\/x: ECONNREFUSED: connection refused by 127\.0\.0\.1:\d+\nfix: nothing is listening there: is the service running, and are host and port right\?<\/failure>/,
    )
  })

  test('tap: version, plan, ok and not ok', async () => {
    const run = await prodcheck(BASIC, ['run', '--format', 'tap', ...ONE_FILE], { ...env, FAIL_URL: `http://127.0.0.1:${await freePort()}/x` })
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^TAP version 13\n1\.\.6\n/)
    expect(run.stdout).toMatch(/^ok 1 - api is up \(prod-tests\/api\.test\.ts\)\n {2}---\n {2}severity: pass\n {2}status: pass\n {2}tier: smoke\n/m)
    expect(run.stdout).toMatch(/^ {2}latency_ms: [\d.]+$/m)
    expect(run.stdout).toMatch(
      /^not ok 4 - the optional failing check \(prod-tests\/api\.test\.ts\)\n {2}---\n {2}message: '.*ECONNREFUSED.*'\n {2}severity: fail\n/m,
    )
    expect(run.stdout).toMatch(/^ {4}- "fix\\x3a nothing is listening there/m)
  })

  test('nagios: OK 0, WARNING 1 for a degraded check, CRITICAL 2, UNKNOWN 3; perfdata in ms', async () => {
    const ok = await prodcheck(BASIC, ['run', '--format', 'nagios', ...ONE_FILE], env)
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/^PRODCHECK OK - 6 checks passed \| 'api is up'=[\d.]+ms;;2000;0; 'api answers JSON'=[\d.]+ms;;;0; /)
    expect(ok.stdout.split('\n')[1]).toMatch(/^PASS api is up \[smoke, prod-tests\/api\.test\.ts\] [\d.]+ ms$/)
    flaky = 0
    const warning = await prodcheck(BASIC, ['run', '--format', 'nagios', ...ONE_FILE], { ...env, FLAKY_URL: `${api.url}/flaky`, RETRY: '1' })
    expect(warning.code).toBe(1)
    expect(warning.stdout).toMatch(/^PRODCHECK WARNING - 1 of 6 checks degraded: the optional flaky check \(passed after 1 retry\) \| /)
    // an untagged (diagnostic) check that fails is a WARNING; a smoke check, CRITICAL
    const diagnostic = await prodcheck(BASIC, ['run', '--format', 'nagios', ...ONE_FILE], {
      ...env,
      FAIL_URL: `http://127.0.0.1:${await freePort()}/x`,
    })
    expect(diagnostic.code).toBe(1)
    expect(diagnostic.stdout).toMatch(
      /^PRODCHECK WARNING - 1 of 6 diagnostic checks failed: the optional failing check \(ECONNREFUSED: connection refused by 127\.0\.0\.1:\d+\) \| /,
    )
    const critical = await prodcheck(BASIC, ['run', '--format', 'nagios', ...ONE_FILE], {
      ...env,
      SMOKE_URL: `http://127.0.0.1:${await freePort()}/x`,
    })
    expect(critical.code).toBe(2)
    expect(critical.stdout).toMatch(
      /^PRODCHECK CRITICAL - 1 of 6 checks failed: the optional smoke check \(ECONNREFUSED: connection refused by 127\.0\.0\.1:\d+\) \| /,
    )
    expect(critical.stdout).toMatch(/^ {2}fix: nothing is listening there/m)
    const unknown = await prodcheck(NO_PROD, ['run', '--format', 'nagios'])
    expect(unknown.code).toBe(3)
    expect(unknown.stdout).toMatch(/^PRODCHECK UNKNOWN - no project named "prod"/)
  })

  test('--output writes the report to a file, and nothing to stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prodcheck-out-'))
    try {
      const run = await prodcheck(BASIC, ['run', '--format', 'json', '--output', join(dir, 'health.json'), ...ONE_FILE], env)
      expect(run.code).toBe(0)
      expect(run.stdout).toBe('')
      expect(JSON.parse(readFileSync(join(dir, 'health.json'), 'utf8')).status).toBe('pass')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('prodcheck run: selection, deadlines, waiting, secrets', () => {
  test('--smoke and --diagnostic select the tiers', async () => {
    const smoke = await prodcheck(BASIC, ['run', '--smoke', '--format', 'json', ...ONE_FILE], env)
    expect(Object.keys(JSON.parse(smoke.stdout).checks).sort()).toEqual(['api is up:responseTime', 'the optional smoke check:responseTime'])
    const diagnostic = await prodcheck(BASIC, ['run', '--diagnostic', '--format', 'json', ...ONE_FILE], env)
    expect(Object.keys(JSON.parse(diagnostic.stdout).checks)).toContain('an untagged check:responseTime')
    expect(Object.keys(JSON.parse(diagnostic.stdout).checks)).not.toContain('api is up:responseTime')
  })

  test('--smoke --diagnose: the diagnostic checks run only when a smoke check fails, and are reported with it', async () => {
    const green = await prodcheck(BASIC, ['run', '--smoke', '--diagnose', '--format', 'json', ...ONE_FILE], env)
    expect(green.code, green.stderr).toBe(0)
    expect(Object.keys(JSON.parse(green.stdout).checks)).not.toContain('api answers JSON:responseTime')
    expect(green.stderr).not.toMatch(/--diagnose/)
    const red = await prodcheck(BASIC, ['run', '--smoke', '--diagnose', '--format', 'json', ...ONE_FILE], {
      ...env,
      SMOKE_URL: `http://127.0.0.1:${await freePort()}/down`,
    })
    expect(red.code).toBe(1)
    expect(red.stderr).toMatch(/1 smoke checks failed: running the diagnostic checks \(--diagnose\)/)
    const checks = JSON.parse(red.stdout).checks
    expect(checks['the optional smoke check:responseTime'][0]).toMatchObject({ status: 'fail', tier: 'smoke' })
    expect(checks['api answers JSON:responseTime'][0]).toMatchObject({ status: 'pass', tier: 'diagnostic' })
    expect((await prodcheck(BASIC, ['run', '--diagnose'], env)).stderr).toMatch(/--diagnose goes with --smoke/)
  })

  test('--timeout sets the deadline of every check', async () => {
    const run = await prodcheck(BASIC, ['run', '--timeout', '300ms', ...ONE_FILE], { ...env, FAIL_URL: silent.url, SMOKE_URL: silent.url })
    expect(run.code).toBe(1)
    expect(run.stdout.match(/within 300 ms/g)).toHaveLength(2)
    expect(run.stdout).not.toMatch(/Test timed out/)
  })

  test('--wait reruns the failing checks until they pass', async () => {
    lateFrom = Date.now() + 2500
    const run = await prodcheck(BASIC, ['run', '--wait', '30s', ...ONE_FILE], { ...env, FAIL_URL: `${api.url}/late` })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toMatch(/prodcheck: 1 failing, retrying in [\d.]+ s/)
    expect(run.stderr).toMatch(/round \d+: 6 passed, 0 failed/)
    expect(run.stdout).toMatch(/\n6 passed, 0 failed/)
  })

  test('--wait gives up at its deadline, and reports the last failure', async () => {
    const run = await prodcheck(BASIC, ['run', '--wait', '4s', ...ONE_FILE], { ...env, FAIL_URL: `http://127.0.0.1:${await freePort()}/x` })
    expect(run.code).toBe(1)
    expect(run.ms).toBeLessThan(15_000)
    expect(run.stderr).toMatch(/retrying/)
    expect(run.stdout).toContain('observed  ECONNREFUSED')
  })

  test('never prints a password or a token, in any format', async () => {
    const secretUrl = `http://admin:Cli-Secret-55@127.0.0.1:${await freePort()}/x?token=Cli-Token-66`
    for (const format of ['text', 'json', 'junit', 'tap', 'nagios']) {
      const run = await prodcheck(BASIC, ['run', '--format', format, ...ONE_FILE], { ...env, FAIL_URL: secretUrl })
      expect(run.code).not.toBe(0)
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/Cli-Secret-55|Cli-Token-66/)
      if (format !== 'nagios') expect(run.stdout).toContain('admin:***@')
    }
  })
})
