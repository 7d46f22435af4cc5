/// <reference lib="dom" />
import { existsSync, mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { renderPage } from '../../../src/node/serve/page.ts'
import type { Snapshot } from '../../../src/node/serve/scheduler.ts'
import { type ServeProcess, startServe } from '../../support/cli.ts'
import { freePort, type Running, startHttp } from '../../support/servers.ts'
import { aResult } from '../../support/results.ts'

const BASIC = resolve(import.meta.dirname, '../../fixtures/projects/basic')
const CHROMIUM = '/usr/bin/chromium'
const TOKEN = 'page-token-0123456789abcdef'
const GREEN = 'rgb(26, 127, 55)'
const AMBER = 'rgb(154, 103, 0)'
const RED = 'rgb(207, 34, 46)'

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
    await serve.waitFor(/run 1: /)
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    })
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
    mkdirSync(resolve(import.meta.dirname, '../../../docs'), { recursive: true })
    await page.screenshot({ path: resolve(import.meta.dirname, '../../../docs/status-page.png'), fullPage: true })
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
