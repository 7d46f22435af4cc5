/// <reference lib="dom" />
import { existsSync, mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { HistoryStore } from '../../../src/node/serve/history.ts'
import { createMetrics } from '../../../src/node/serve/metrics.ts'
import { renderPage, STRIP_RESULTS } from '../../../src/node/serve/page.ts'
import type { CachedCheck, Snapshot } from '../../../src/node/serve/scheduler.ts'
import { createHealthServer, type HealthServer } from '../../../src/node/serve/server.ts'
import { type ServeProcess, startServe } from '../../support/cli.ts'
import { freePort, type Running, startHttp } from '../../support/servers.ts'
import { aFailingRecord, aRecord, aResult } from '../../support/results.ts'

const BASIC = resolve(import.meta.dirname, '../../fixtures/projects/basic')
const SCRATCH = resolve(import.meta.dirname, '../../.scratch')
const CHROMIUM = '/usr/bin/chromium'
const TOKEN = 'page-token-0123456789abcdef'
const GREEN = 'rgb(26, 127, 55)'
const AMBER = 'rgb(154, 103, 0)'
const RED = 'rgb(207, 34, 46)'

/** Headless Chromium, as CI installs it. */
function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`)
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  })
}

describe('the status page in a real browser', () => {
  let api: Running
  let serve: ServeProcess
  let browser: Browser
  let flaky = 0
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`)
    api = await startHttp((req, res) => {
      if (req.url === '/flaky') return void res.writeHead(++flaky % 2 === 1 ? 503 : 200).end()
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')
    })
    serve = await startServe(BASIC, ['--interval', '60s', '--token', TOKEN, 'prod-tests/api.test.ts'], {
      API_URL: api.url,
      SMOKE_URL: `http://127.0.0.1:${await freePort()}/down`,
      FLAKY_URL: `${api.url}/flaky`,
      RETRY: '1',
    })
    await serve.firstRuns()
    browser = await launchChromium()
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await serve?.stop()
    await api?.close()
  })

  test('shows one row per check in the order of the run (as every output), coloured by status, with the cause of failures, and fits a phone', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` } })
    await page.goto(`${serve.url}/`)
    const rows = await page.$$eval('tbody tr', (trs) =>
      trs.map((tr) => ({
        status: tr.getAttribute('data-status'),
        colour: getComputedStyle(tr.querySelector('.status') as Element).backgroundColor,
        name: tr.querySelector('td:nth-child(2)')?.firstChild?.textContent,
      })),
    )
    expect(rows).toHaveLength(6)
    const byName = new Map(rows.map((row) => [row.name, row]))
    expect(byName.get('the optional smoke check')).toEqual({ status: 'fail', colour: RED, name: 'the optional smoke check' })
    expect(byName.get('the optional flaky check')).toEqual({ status: 'warn', colour: AMBER, name: 'the optional flaky check' })
    expect(rows.filter((row) => row.status === 'pass').every((row) => row.colour === GREEN)).toBe(true)
    expect(rows.filter((row) => row.status === 'pass')).toHaveLength(4)
    expect(rows.map((row) => row.name)[0]).toBe('api is up')
    expect(await page.textContent('tr[data-status="fail"] .why')).toMatch(
      /ECONNREFUSED: connection refused by 127\.0\.0\.1:\d+\nfix: nothing is listening there/,
    )
    expect(await page.textContent('h1')).toContain('1 of 6 checks failing')
    expect(await page.getAttribute('h1 .overall', 'data-status')).toBe('fail')
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
    // for a look; docs/status-page.png is made on purpose (npm run screenshot), never by a test
    mkdirSync(SCRATCH, { recursive: true })
    await page.screenshot({ path: resolve(SCRATCH, 'status-page.png'), fullPage: true })
    await page.close()
  })

  test('refuses the page without the token', async () => {
    const page = await browser.newPage()
    const response = await page.goto(`${serve.url}/`)
    expect(response?.status()).toBe(401)
    await page.close()
  })
})

describe('renderPage', () => {
  const snapshot: Snapshot = {
    runs: 3,
    running: false,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    durationMs: 1000,
    errors: [],
    checks: [{ ...aResult({ name: '<img src=x onerror=alert(1)>' }), lastChange: '2026-01-01T00:00:01.000Z' }],
  }

  test('escapes every text it shows', () => {
    const html = renderPage(snapshot, 30_000)
    expect(html).not.toContain('<img')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
  })

  test('says when no run has completed', () => {
    expect(renderPage({ runs: 0, running: true, checks: [], errors: [] }, 30_000)).toContain('waiting for the first run')
  })
})

type Shown = 'pass' | 'warn' | 'fail'
const RECORDS = {
  pass: (latencyMs: number) => aRecord({ latencyMs }),
  warn: (latencyMs: number) => aRecord({ status: 'warn', warnings: ['slow: 300 ms, over 200 ms'], latencyMs }),
  fail: (latencyMs: number) => aFailingRecord({ latencyMs }),
}
const TEN_MINUTES = 600_000

/**
 * A snapshot of checks that ran every 30 s, the last run 10 s before `now`, with these
 * statuses (oldest first; a check with fewer joined the suite later), each run's latency
 * `10 + run % 5` ms; every status began 10 min before `now`.
 */
function ranEvery30s(now: number, checks: ReadonlyArray<{ name: string; file: string; statuses: readonly Shown[] }>): Snapshot {
  const history = new HistoryStore()
  const runs = Math.max(...checks.map((check) => check.statuses.length))
  let last: CachedCheck[] = []
  for (let run = 0; run < runs; run++) {
    const time = timeOfRun(now, run, runs)
    last = checks
      .filter((check) => run >= runs - check.statuses.length)
      .map((check) => {
        const status = check.statuses[run - (runs - check.statuses.length)] ?? 'pass'
        return {
          ...aResult({ name: check.name, file: check.file, time, checks: [RECORDS[status](10 + (run % 5))] }),
          lastChange: iso(now - TEN_MINUTES),
        }
      })
    history.record(last)
  }
  const finishedAt = timeOfRun(now, runs - 1, runs)
  return { runs, running: false, startedAt: finishedAt, finishedAt, durationMs: 800, errors: [], checks: history.annotate(last) }
}
const timeOfRun = (now: number, run: number, runs: number): string => iso(now - 10_000 - (runs - 1 - run) * 30_000)
const iso = (ms: number): string => new Date(ms).toISOString()
const utc = (time: string): string => `${time.slice(0, 19).replace('T', ' ')} UTC`

/** api (70 runs, one failure long ago), db (failing now), cache (degraded now, failed before), env (no history yet). */
function aDayAtWork(now: number): Snapshot {
  const snapshot = ranEvery30s(now, [
    { name: 'api is up', file: 'prod-tests/api.test.ts', statuses: Array.from({ length: 70 }, (_, run) => (run === 5 ? 'fail' : 'pass')) },
    { name: 'db accepts connections', file: 'prod-tests/db.test.ts', statuses: ['pass', 'pass', 'fail'] },
    { name: 'cache answers', file: 'prod-tests/db.test.ts', statuses: ['fail', 'warn'] },
  ])
  const env = aResult({
    name: 'env is set',
    file: 'prod-tests/env.test.ts',
    timed: false,
    checks: [aRecord({ matcher: 'toHaveEnv', latencyMs: undefined })],
  })
  return { ...snapshot, checks: [...snapshot.checks, { ...env, lastChange: iso(now - TEN_MINUTES) }] }
}

describe('the history on the status page, in a real browser', () => {
  let browser: Browser
  let health: HealthServer
  let url: string
  let now: number
  beforeAll(async () => {
    // the page as the server prepares and serves it (with its CSP), from a snapshot with a history
    health = createHealthServer({ metrics: createMetrics(), intervalMs: 1000 })
    await new Promise<void>((done) => health.server.listen(0, '127.0.0.1', done))
    url = `http://127.0.0.1:${(health.server.address() as { port: number }).port}/`
    browser = await launchChromium()
  }, 60_000)
  beforeEach(async () => {
    now = Date.now()
    await health.refresh(aDayAtWork(now))
  })
  afterAll(async () => {
    await browser?.close()
    await new Promise((done) => health?.server.close(done))
  })

  test('per check, grouped by file: a strip of its last results coloured by status, its latency, uptime, flaps and last failure, times relative with the absolute one on hover; fits a phone', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } })
    const problems: string[] = []
    page.on('console', (message) => problems.push(`${message.type()}: ${message.text()}`))
    await page.goto(url)
    const sections = await page.$$eval('section.file', (list) =>
      list.map((section) => ({
        file: section.querySelector('h2')?.firstChild?.textContent?.trim(),
        checks: [...section.querySelectorAll('tr.check')].map((tr) => tr.querySelector('td:nth-child(2)')?.firstChild?.textContent),
      })),
    )
    expect(sections).toEqual([
      { file: 'prod-tests/api.test.ts', checks: ['api is up'] },
      { file: 'prod-tests/db.test.ts', checks: ['db accepts connections', 'cache answers'] },
      { file: 'prod-tests/env.test.ts', checks: ['env is set'] },
    ])
    const strips = await page.$$eval('tr.check', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('.strip i')].map((box) => getComputedStyle(box).backgroundColor)),
    )
    // the last 60 of api's 70 results (its failure is older), oldest first
    expect(strips).toEqual([Array(STRIP_RESULTS).fill(GREEN), [GREEN, GREEN, RED], [RED, AMBER], []])
    const api = page.locator('tr.check').nth(0)
    const boxes = await api.locator('.strip i').evaluateAll((list) => list.map((box) => box.getBoundingClientRect().width))
    expect(Math.min(...boxes)).toBeGreaterThan(1)
    expect(await api.locator('.strip i').last().getAttribute('title')).toBe(`pass · 14 ms · ${utc(timeOfRun(now, 69, 70))}`)
    expect(await api.locator('.strip i').first().getAttribute('title')).toBe(`pass · 10 ms · ${utc(timeOfRun(now, 10, 70))}`)
    expect(await api.locator('.facts').textContent()).toBe('pass since 10 min ago · 98.5% up · 2 flaps · over the last 70 runs')
    const since = api.locator('.facts time')
    expect(await since.getAttribute('datetime')).toBe(iso(now - TEN_MINUTES))
    expect(await since.getAttribute('title')).toBe(utc(iso(now - TEN_MINUTES)))
    expect(await api.locator('svg.spark').getAttribute('aria-label')).toBe('latency of the last 60 runs: 10 ms to 14 ms, median 12 ms')
    expect(await api.locator('.range').textContent()).toBe('10–14 ms')
    // the last failure, 32 min ago, its cause one click away
    const lastFailure = api.locator('details.last-failure')
    expect(await lastFailure.locator('summary').textContent()).toBe('last failed 32 min ago')
    expect(await lastFailure.locator('summary time').getAttribute('title')).toBe(utc(timeOfRun(now, 5, 70)))
    expect(await lastFailure.locator('.why').isVisible()).toBe(false)
    await lastFailure.locator('summary').click()
    expect(await lastFailure.locator('.why').textContent()).toContain('toRespondHttp http://api.internal/health: status 503, expected 2xx')
    expect(await lastFailure.locator('.why').isVisible()).toBe(true)
    // failing now: its cause is shown, not a past failure
    const db = page.locator('tr.check').nth(1)
    expect(await db.locator('.why').first().textContent()).toContain('status 503, expected 2xx')
    expect(await db.locator('details').count()).toBe(0)
    expect(await page.locator('tr.check').nth(2).locator('details.last-failure summary').textContent()).toBe('last failed 40 s ago')
    expect(await page.locator('tr.check').nth(3).locator('.facts').textContent()).toBe('pass since 10 min ago')
    expect(await page.textContent('.meta')).toMatch(
      /^last run 10 s ago \(800 ms\) · every 1 s · rendered \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, times are relative to then/,
    )
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
    // no violation of the page's CSP (no script, no external resource), nothing logged
    expect(problems).toEqual([])
    mkdirSync(SCRATCH, { recursive: true })
    await page.screenshot({ path: resolve(SCRATCH, 'status-page-history.png'), fullPage: true })
    await page.close()
  })

  test('filters by status without script: the links show only the failing, degraded or passing checks, and their files', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } })
    await page.goto(url)
    const shown = async (): Promise<{ files: string[]; checks: string[] }> => ({
      files: await page.$$eval('section.file', (list) =>
        list.filter((section) => section.getClientRects().length > 0).map((section) => section.getAttribute('data-file') ?? ''),
      ),
      checks: await page.$$eval('tr.check', (list) =>
        list.filter((tr) => tr.getClientRects().length > 0).map((tr) => tr.querySelector('td:nth-child(2)')?.firstChild?.textContent ?? ''),
      ),
    })
    expect(await page.$$eval('nav.filter a', (links) => links.map((link) => link.textContent))).toEqual([
      'all 4',
      'failing 1',
      'degraded 1',
      'passing 2',
    ])
    await page.click('nav.filter a.fail')
    expect(page.url()).toMatch(/#fail$/)
    expect(await shown()).toEqual({ files: ['prod-tests/db.test.ts'], checks: ['db accepts connections'] })
    expect(await page.$eval('nav.filter a.fail', (link) => getComputedStyle(link).fontWeight)).toBe('600')
    await page.click('nav.filter a.warn')
    expect(await shown()).toEqual({ files: ['prod-tests/db.test.ts'], checks: ['cache answers'] })
    await page.click('nav.filter a.pass')
    expect(await shown()).toEqual({ files: ['prod-tests/api.test.ts', 'prod-tests/env.test.ts'], checks: ['api is up', 'env is set'] })
    await page.click('nav.filter a.all')
    expect((await shown()).checks).toEqual(['api is up', 'db accepts connections', 'cache answers', 'env is set'])
    await page.close()
  })

  test('a filtered page still refreshes itself (a refresh to the same URL with a #fragment would not reload): it shows every check again', async () => {
    const page = await browser.newPage()
    await page.goto(`${url}#fail`)
    expect(await page.getAttribute('h1 .overall', 'data-status')).toBe('fail')
    const recovered = ranEvery30s(Date.now(), [{ name: 'api is up', file: 'prod-tests/api.test.ts', statuses: ['fail', 'pass'] }])
    await health.refresh(recovered)
    // the page refreshes every 5 s at most often
    await page.waitForFunction(() => document.querySelector('h1 .overall')?.getAttribute('data-status') === 'pass', null, { timeout: 8000 })
    expect(new URL(page.url()).hash).toBe('')
    expect(await page.locator('tr.check').count()).toBe(1)
    await page.close()
  })
})

describe('renderPage with a history', () => {
  const now = Date.parse('2026-03-01T12:00:00.000Z')

  test('shows times relative to the render, the absolute time in <time datetime> and on hover', () => {
    const snapshot = aDayAtWork(now)
    const ages: Array<[number, string]> = [
      [4_000, 'just now'],
      [40_000, '40 s ago'],
      [3 * 60_000, '3 min ago'],
      [90 * 60_000, '2 h ago'],
      [3 * 86_400_000, '3 days ago'],
    ]
    for (const [age, text] of ages) {
      const checks = snapshot.checks.map((check) => ({ ...check, lastChange: iso(now - age) }))
      expect(renderPage({ ...snapshot, checks }, 30_000, 'prodcheck', now)).toContain(
        `since <time datetime="${iso(now - age)}" title="${utc(iso(now - age))}">${text}</time>`,
      )
    }
  })

  test('the strip shows the last 60 results of a longer window; uptime over the window, rounded down', () => {
    const html = renderPage(
      ranEvery30s(now, [
        { name: 'api is up', file: 'prod-tests/api.test.ts', statuses: Array.from({ length: 120 }, (_, i) => (i === 0 ? 'fail' : 'pass')) },
      ]),
      30_000,
      'prodcheck',
      now,
    )
    expect(html.match(/<i class="pass" title=/g)).toHaveLength(STRIP_RESULTS)
    expect(html).toContain('aria-label="the last 60 results, oldest first: 60 pass"')
    // 119 of 120: 99.16…%, never shown as 99.2%
    expect(html).toContain('99.1% up · 1 flap · over the last 120 runs')
  })

  test('escapes the texts of the history, and the file names', () => {
    const snapshot = ranEvery30s(now, [{ name: 'api', file: 'prod-tests/<b>.test.ts', statuses: ['fail', 'pass'] }])
    const checks = snapshot.checks.map((check) => ({ ...check, lastFailure: { time: iso(now), cause: ['<script>alert(1)</script>'] } }))
    const html = renderPage({ ...snapshot, checks }, 30_000, 'prodcheck', now)
    expect(html).not.toMatch(/<script|<b>/)
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).toContain('data-file="prod-tests/&lt;b&gt;.test.ts"')
  })

  test('refreshes to the URL without its #fragment, and says when a filter matches nothing', () => {
    const html = renderPage(ranEvery30s(now, [{ name: 'api', file: 'a.test.ts', statuses: ['pass'] }]), 30_000, 'prodcheck', now)
    expect(html).toContain('<meta http-equiv="refresh" content="30; url=?">')
    expect(html).toContain('<p class="none" data-none="fail">no check is failing</p>')
    expect(html).toContain('<p class="none" data-none="warn">no check is degraded</p>')
    expect(html).not.toContain('<p class="none" data-none="pass">')
  })
})
