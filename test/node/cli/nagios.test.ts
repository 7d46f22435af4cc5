/**
 * `prodcheck run --format nagios` as a real Nagios 4 runs it: one Nagios for every service,
 * each service a run of the fixture project (all pass, one fails, one passes after a retry,
 * several fail, a bad project) or `check_http`, the reference, against the same demo API;
 * the assertions read what Nagios recorded in `status.dat`.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { CLI } from '../../support/cli.ts'
import { NAGIOS_PLUGINS, type Nagios, type NagiosRun, type NagiosService, type ServiceStatus, startNagios } from '../../support/nagios.ts'
import { parsePerfdata } from '../../support/perfdata.ts'
import { freePort, type Running, startHttp } from '../../support/servers.ts'

const PROJECT = resolve(import.meta.dirname, '../../fixtures/projects/nagios')
const NO_PROD = resolve(import.meta.dirname, '../../fixtures/projects/no-prod')
const STATE = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const

/** A box-drawing character: Vitest frames some errors in them. */
const BOX = /[\u2500-\u257f]/

/** A terminal escape, raw or as the `\x1b` text prodcheck makes of it. */
const ESCAPE = /\u001b|\\x1b/

let api: Running
let badProject: string
let nagios: Nagios | undefined
let run: NagiosRun
let searches = 0

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`)
  api = await startHttp((request, response) => {
    const json = (status: number, body: unknown): void =>
      void response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    if (request.url === '/health') return json(200, { status: 'ok' })
    if (request.url === '/orders') return json(503, { status: 'down' })
    // fails its first request only: the retry passes
    if (request.url === '/search') return json(++searches === 1 ? 503 : 200, { status: 'ok' })
    if (request.url === '/payments') return json(500, { status: 'error' })
    if (request.url === '/reports') return json(200, { status: 'stale' })
    json(404, { status: 'not found' })
  })
  // a project whose check file does not parse: the fixture's config, beside a broken file
  badProject = mkdtempSync(join(tmpdir(), 'prodcheck-nagios-bad-'))
  mkdirSync(join(badProject, 'prod-tests'))
  writeFileSync(join(badProject, 'vitest.config.mjs'), `export { default } from ${JSON.stringify(join(PROJECT, 'vitest.config.ts'))}\n`)
  writeFileSync(
    join(badProject, 'prod-tests', 'broken.test.ts'),
    "import { test } from 'vitest'\n\ntest('never runs', () => {\n  const body = {\n})\n",
  )

  const env = { API_URL: api.url, LEDGER_URL: `http://127.0.0.1:${await freePort()}` }
  const prodcheck = (name: string, files: string[], cwd = PROJECT): NagiosService => ({
    name,
    argv: [process.execPath, CLI, 'run', '--format', 'nagios', ...files],
    cwd,
    env,
  })
  const checkHttp = (name: string, path: string): NagiosService => ({
    name,
    argv: [`${NAGIOS_PLUGINS}/check_http`, '-I', '127.0.0.1', '-p', String(api.port), '-u', path, '-t', '10'],
  })
  nagios = await startNagios([
    prodcheck('all pass', ['prod-tests/api.test.ts']),
    prodcheck('one fails', ['prod-tests/api.test.ts', 'prod-tests/orders.test.ts']),
    prodcheck('passes after a retry', ['prod-tests/api.test.ts', 'prod-tests/search.test.ts']),
    prodcheck('several fail', ['prod-tests/api.test.ts', 'prod-tests/outages.test.ts']),
    prodcheck('check file does not parse', [], badProject),
    prodcheck('no prod project', [], NO_PROD),
    checkHttp('check_http health', '/health'),
    checkHttp('check_http orders', '/orders'),
  ])
  run = await nagios.checkAll(60_000)
}, 90_000)

afterAll(async () => {
  await nagios?.stop()
  await api?.close()
  if (badProject) rmSync(badProject, { recursive: true, force: true })
})

function service(name: string): ServiceStatus {
  const status = run.services.get(name)
  if (!status) throw new Error(`no service ${JSON.stringify(name)} in status.dat: ${[...run.services.keys()].join(', ')}`)
  return status
}

/** What Nagios recorded, for the assertion messages. */
function recorded(status: ServiceStatus): string {
  return [
    `current_state=${status.currentState}`,
    `plugin_output=${status.pluginOutput}`,
    `long_plugin_output=${status.longPluginOutput}`,
    `performance_data=${status.performanceData}`,
    `plugin stderr: ${status.stderr.slice(-2000)}`,
  ].join('\n')
}

/** The perfdata labels, sorted: their order is the plugin's to choose. */
function labels(status: ServiceStatus): string[] {
  return parsePerfdata(status.performanceData)
    .map((datum) => datum.label)
    .sort()
}

/**
 * The status line cut at each name, in order: the text from one name to the next is the
 * cause it was given. Nagios turns the `;` between them into `:`, so no separator is assumed.
 */
function causes(pluginOutput: string, names: readonly string[]): Map<string, string> {
  const at = names
    .map((name) => ({ name, index: pluginOutput.indexOf(name) }))
    .filter(({ index }) => index >= 0)
    .sort((a, b) => a.index - b.index)
  return new Map(at.map(({ name, index }, i) => [name, pluginOutput.slice(index + name.length, at[i + 1]?.index)]))
}

describe('prodcheck run --format nagios under Nagios 4', () => {
  test('all checks pass: OK, one perfdata entry in ms per check', () => {
    const status = service('all pass')
    expect(status.currentState, recorded(status)).toBe(STATE.OK)
    expect(status.pluginOutput).toMatch(/^PRODCHECK OK - /)
    expect(status.checkCommand).toMatch(/^run_script!\//)
    expect(labels(status)).toEqual(['api answers JSON', 'api is up'])
    for (const datum of parsePerfdata(status.performanceData)) {
      expect(datum.uom, datum.label).toBe('ms')
      expect(datum.value, datum.label).toBeGreaterThanOrEqual(0)
    }
  })

  test('perfdata thresholds: crit from maxLatencyMs, min 0', () => {
    const up = parsePerfdata(service('all pass').performanceData).find((datum) => datum.label === 'api is up')
    expect(up).toMatchObject({ crit: '2000', min: 0 })
  })

  test('one check fails: CRITICAL, naming it with its cause, the detail as long output', () => {
    const status = service('one fails')
    expect(status.currentState, recorded(status)).toBe(STATE.CRITICAL)
    expect(status.pluginOutput).toMatch(/^PRODCHECK CRITICAL - /)
    expect(status.pluginOutput).toMatch(/\b1 of 3\b/)
    expect(causes(status.pluginOutput, ['orders answer']).get('orders answer')).toMatch(/\b503\b/)
    expect(status.pluginOutput).not.toMatch(/api is up|api answers JSON/)
    expect(status.longPluginOutput, recorded(status)).toContain('orders answer')
    expect(status.longPluginOutput).toMatch(/\b503\b/)
    expect(labels(status)).toEqual(['api answers JSON', 'api is up', 'orders answer'])
  })

  test('a check passes after a retry: WARNING, naming it', () => {
    const status = service('passes after a retry')
    expect(searches, 'the demo API saw the first try and the retry').toBe(2)
    expect(status.currentState, recorded(status)).toBe(STATE.WARNING)
    expect(status.pluginOutput).toMatch(/^PRODCHECK WARNING - /)
    expect(status.pluginOutput).toContain('search answers')
    expect(status.pluginOutput).not.toMatch(/api is up|api answers JSON/)
    expect(status.longPluginOutput, recorded(status)).toContain('search answers')
    expect(labels(status)).toEqual(['api answers JSON', 'api is up', 'search answers'])
  })

  test('several checks fail: CRITICAL, each named with its own cause', () => {
    const status = service('several fail')
    expect(status.currentState, recorded(status)).toBe(STATE.CRITICAL)
    expect(status.pluginOutput).toMatch(/^PRODCHECK CRITICAL - /)
    expect(status.pluginOutput).toMatch(/\b3 of 5\b/)
    // each cause after its own name, and only there
    const own = { 'payments answer': /\b500\b/, 'ledger is reachable': /ECONNREFUSED/, 'reports are fresh': /stale|fresh/ }
    const given = causes(status.pluginOutput, Object.keys(own))
    for (const [name, cause] of Object.entries(own)) {
      expect(status.pluginOutput, recorded(status)).toContain(name)
      expect(given.get(name), `the cause given to ${name}`).toMatch(cause)
      for (const [other, otherCause] of Object.entries(own)) {
        if (other !== name) expect(given.get(name), `the cause given to ${name} is not ${other}'s`).not.toMatch(otherCause)
      }
    }
    // the long output: a line for every check, the causes of the failing ones
    const lines = status.longPluginOutput.split('\n')
    for (const name of ['api is up', 'api answers JSON', ...Object.keys(own)]) {
      expect(
        lines.some((line) => line.includes(name)),
        `${name} in the long output\n${recorded(status)}`,
      ).toBe(true)
    }
    for (const cause of Object.values(own)) expect(status.longPluginOutput).toMatch(cause)
    expect(labels(status)).toEqual(['api is up', 'api answers JSON', ...Object.keys(own)].sort())
  })

  test('a check file that does not parse: UNKNOWN, naming the file, no box-drawn error', () => {
    const status = service('check file does not parse')
    expect(status.currentState, recorded(status)).toBe(STATE.UNKNOWN)
    expect(status.pluginOutput).toMatch(/^PRODCHECK UNKNOWN - /)
    expect(status.pluginOutput).toContain('broken.test.ts')
    expect(status.pluginOutput).not.toMatch(BOX)
    expect(status.pluginOutput, 'no colour: Nagios shows the escapes as text').not.toMatch(ESCAPE)
  })

  test('no prod project: UNKNOWN, saying so', () => {
    const status = service('no prod project')
    expect(status.currentState, recorded(status)).toBe(STATE.UNKNOWN)
    expect(status.pluginOutput).toMatch(/^PRODCHECK UNKNOWN - .*"prod"/)
  })

  test('the reference, check_http on the same API: OK on /health, CRITICAL on /orders, perfdata time and size', () => {
    const health = service('check_http health')
    expect(health.currentState, recorded(health)).toBe(STATE.OK)
    expect(health.pluginOutput).toMatch(/^HTTP OK: /)
    expect(parsePerfdata(health.performanceData)).toEqual([
      expect.objectContaining({ label: 'time', uom: 's', min: 0 }),
      expect.objectContaining({ label: 'size', uom: 'B', min: 0 }),
    ])
    const orders = service('check_http orders')
    expect(orders.currentState, recorded(orders)).toBe(STATE.CRITICAL)
    expect(orders.currentState).toBe(service('one fails').currentState)
    expect(orders.pluginOutput).toMatch(/^HTTP CRITICAL: .*\b503\b/)
  })

  test.each([
    'all pass',
    'one fails',
    'passes after a retry',
    'several fail',
    'check file does not parse',
    'no prod project',
    'check_http health',
    'check_http orders',
  ])('%s: the perfdata parses, its labels unique, the status line on one line', (name) => {
    const status = service(name)
    const found = labels(status)
    expect(new Set(found).size, status.performanceData).toBe(found.length)
    expect(status.pluginOutput).not.toContain('\n')
    expect(status.pluginOutput).not.toContain('|')
  })
})

describe('parsePerfdata: the plugin guidelines, strictly', () => {
  test('reads quoted labels, units, ranges, U, and both separators', () => {
    expect(parsePerfdata("'api is up'=12.3ms;;2000;0;  'it''s'=1c time=0.05s;1:;@~:3;0.000000;10 d=U")).toEqual([
      { label: 'api is up', value: 12.3, uom: 'ms', warn: '', crit: '2000', min: 0, max: undefined },
      { label: "it's", value: 1, uom: 'c', warn: '', crit: '', min: undefined, max: undefined },
      { label: 'time', value: 0.05, uom: 's', warn: '1:', crit: '@~:3', min: 0, max: 10 },
      { label: 'd', value: Number.NaN, uom: '', warn: '', crit: '', min: undefined, max: undefined },
    ])
    expect(parsePerfdata('')).toEqual([])
  })

  test.each([
    ["'api is up=12ms", 'an unclosed quote'],
    ['api is up=12ms', 'a space in an unquoted label'],
    ["'api'=12 ms", 'a space before the unit'],
    ["'api'=12msec", 'a unit the guidelines do not know'],
    ["'api'=", 'no value'],
    ["'api'=12ms;;;0;;;", 'more than five fields'],
  ])('refuses %j: %s', (text) => {
    expect(() => parsePerfdata(text)).toThrow(/perfdata does not parse/)
  })
})
