#!/usr/bin/env node
/**
 * Makes docs/status-page.png from the real page, on purpose (tests never write tracked files):
 * starts a demo API, runs the built `prodcheck serve` on the basic fixture project at a short
 * interval until its checks have a history (one failing throughout, one flaky, one that failed
 * for a few seconds), and takes the page in Chromium at a phone's width.
 *
 *   npm run screenshot                 # builds, then writes docs/status-page.png
 *   node scripts/status-page-screenshot.mjs --out /tmp/page.png --runs 20
 *
 * Needs `npm run build` (the npm script does it) and Chromium at /usr/bin/chromium (or CHROMIUM).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:http'
import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'

const ROOT = resolve(import.meta.dirname, '..')
const CLI = resolve(ROOT, 'dist/src/node/cli/main.js')
const BASIC = resolve(ROOT, 'test/fixtures/projects/basic')
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'

const { values } = parseArgs({ options: { out: { type: 'string' }, runs: { type: 'string' } } })
const out = resolve(values.out ?? resolve(ROOT, 'docs/status-page.png'))
const runs = Number(values.runs ?? 16)
if (!existsSync(CLI)) fail(`${CLI} is missing: run \`npm run build\` first (npm run screenshot does)`)
if (!existsSync(CHROMIUM)) fail(`${CHROMIUM} is missing: apt-get install -y chromium, or set CHROMIUM`)

// the API: /health fails for a few seconds after the 4th, so that a check has a failure in its past
const started = Date.now()
let flaky = 0
const api = await listen((request, response) => {
  if (request.url === '/flaky') return void response.writeHead(++flaky % 2 === 1 ? 503 : 200).end()
  const down = Date.now() - started > 4000 && Date.now() - started < 7000
  response.writeHead(down ? 503 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: down ? 'down' : 'ok' }))
})
const nobody = await listen(() => {})
const downUrl = `http://127.0.0.1:${nobody.address().port}/down`
await new Promise((done) => nobody.close(done))

const serve = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--interval', '1s', '--diagnostic-interval', '2s', 'prod-tests/api.test.ts'], {
  cwd: BASIC,
  env: { ...process.env, API_URL: `http://127.0.0.1:${api.address().port}`, SMOKE_URL: downUrl, FLAKY_URL: `http://127.0.0.1:${api.address().port}/flaky`, RETRY: '1', NO_COLOR: '1' },
  stdio: ['ignore', 'ignore', 'pipe'],
})
let log = ''
try {
  const url = await new Promise((done, reject) => {
    let address
    const timer = setTimeout(() => reject(new Error(`serve did not reach ${runs} runs in 120 s:\n${log}`)), 120_000)
    serve.stderr.on('data', (chunk) => {
      log += chunk
      address ??= /listening on (http:\/\/\S+)/.exec(log)?.[1]
      const completed = Math.max(0, ...[...log.matchAll(/run (\d+): /g)].map((match) => Number(match[1])))
      if (address && completed >= runs) {
        clearTimeout(timer)
        done(address)
      }
    })
    serve.on('exit', (code) => reject(new Error(`serve exited (${code}):\n${log}`)))
  })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] })
  try {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } })
    await page.goto(`${url}/`)
    mkdirSync(dirname(out), { recursive: true })
    await page.screenshot({ path: out, fullPage: true })
  } finally {
    await browser.close()
  }
  process.stdout.write(`wrote ${out}\n`)
} finally {
  serve.kill('SIGTERM')
  api.closeAllConnections()
  await new Promise((done) => api.close(done))
}

function listen(handler) {
  return new Promise((done) => {
    const server = createServer(handler)
    server.listen(0, '127.0.0.1', () => done(server))
  })
}

function fail(message) {
  process.stderr.write(`status-page-screenshot: ${message}\n`)
  process.exit(2)
}
