/// <reference lib="dom" />
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createServer as createHttpsServer } from 'node:https'
import { connect } from 'node:net'
import { resolve } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { Agent } from 'undici'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { BODY_TIMEOUT_MS } from '../../../src/node/serve/request-body.ts'
import { GLOBAL_BURST } from '../../../src/node/serve/throttle.ts'
import { createMetrics } from '../../../src/node/serve/metrics.ts'
import { createHealthServer } from '../../../src/node/serve/server.ts'
import { type ServeProcess, startServe } from '../../support/cli.ts'
import { type Running, selfSignedCertificate, startHttp } from '../../support/servers.ts'

const BASIC = resolve(import.meta.dirname, '../../fixtures/projects/basic')
const CHROMIUM = '/usr/bin/chromium'
const TOKEN = 'login-token-0123456789abcdef'
const FORM = 'application/x-www-form-urlencoded'
const POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
const COOKIE = /^prodcheck_session=([A-Za-z0-9_-]{43}); Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/

interface Answer {
  status: number
  body: string
  headers: Headers
  ms: number
}

/** Clients from their own loopback address (127.0.0.x), so that each has its own backoff. */
const clients = new Map<string, Agent>()
function from(address: string): { dispatcher: Agent } {
  const agent =
    clients.get(address) ??
    new Agent({
      connect: (options, callback) => {
        const socket = connect({ host: options.hostname, port: Number(options.port), localAddress: address })
        socket.once('connect', () => callback(null, socket)).once('error', (error) => callback(error, null))
      },
    })
  clients.set(address, agent)
  return { dispatcher: agent }
}
afterAll(async () => {
  await Promise.all([...clients.values()].map((agent) => agent.close()))
})

async function request(url: string, init: RequestInit & { dispatcher?: Agent } = {}): Promise<Answer> {
  const started = performance.now()
  const response = await fetch(url, { redirect: 'manual', ...init } as RequestInit)
  const body = await response.text()
  return { status: response.status, body, headers: response.headers, ms: performance.now() - started }
}

function logIn(base: string, token: string, headers: Record<string, string> = {}, client = '127.0.0.1'): Promise<Answer> {
  return request(`${base}/login`, {
    method: 'POST',
    body: new URLSearchParams({ token }).toString(),
    headers: { 'content-type': FORM, ...headers },
    ...from(client),
  })
}

/** The session cookie of a successful login, as the browser sends it back. */
async function session(base: string): Promise<string> {
  const answer = await logIn(base, TOKEN)
  expect(answer.status).toBe(303)
  return (answer.headers.getSetCookie()[0] ?? '').split(';')[0] ?? ''
}

/** Sends raw bytes (and `more` every 20 ms while the socket is open); resolves with what came back once the server closes. */
function raw(port: number, bytes: string, more?: string): Promise<{ text: string; ms: number }> {
  const started = performance.now()
  return new Promise((done, reject) => {
    let text = ''
    let drip: NodeJS.Timeout | undefined
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes)
      if (more !== undefined) drip = setInterval(() => socket.writable && socket.write(more), 20)
    })
    const limit = setTimeout(() => socket.destroy(new Error(`the server kept the socket open for 8 s; it sent: ${text}`)), 8000)
    socket.setEncoding('utf8').on('data', (chunk) => (text += chunk))
    socket.on('error', (error) => (text === '' ? reject(error) : undefined))
    socket.on('close', () => {
      clearInterval(drip)
      clearTimeout(limit)
      done({ text, ms: performance.now() - started })
    })
  })
}

describe('the login of a real prodcheck serve', () => {
  let api: Running
  let serve: ServeProcess
  let base: string
  let port: number
  let browser: Browser
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`)
    api = await startHttp((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'))
    const launched = chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    })
    serve = await startServe(BASIC, ['--interval', '60s', '--token', TOKEN, 'prod-tests/api.test.ts'], { API_URL: api.url })
    base = serve.url
    port = Number(new URL(base).port)
    ;[browser] = await Promise.all([launched, serve.firstRuns()])
  }, 60_000)
  afterAll(async () => {
    const stderr = serve?.stderr() ?? ''
    await browser?.close()
    await serve?.stop()
    await api?.close()
    // never in a log line
    expect(stderr).not.toContain(TOKEN)
  })

  test('without credentials, / is the login form (401, the strict CSP, no script); the other routes answer as before', async () => {
    const page = await request(`${base}/`)
    expect(page.status).toBe(401)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('content-security-policy')).toBe(POLICY)
    expect(page.headers.get('www-authenticate')).toBe('Bearer realm="prodcheck"')
    expect(page.headers.get('set-cookie')).toBeNull()
    expect(page.body).toContain('<form method="post" action="/login">')
    expect(page.body.match(/<input [^>]*>/g)).toEqual([
      '<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>',
    ])
    expect(page.body).not.toMatch(/<script|role="alert"/)
    for (const path of ['/diagnostics', '/metrics']) {
      expect(await request(`${base}${path}`)).toMatchObject({ status: 401, body: 'unauthorized: send Authorization: Bearer <token>\n' })
    }
    expect(Object.keys(JSON.parse((await request(`${base}/health`)).body)).sort()).toEqual(['description', 'notes', 'status'])
    // POST on /login and /logout only
    const get = await request(`${base}/login`)
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST'])
    expect((await request(`${base}/logout`, { method: 'DELETE' })).status).toBe(405)
    const post = await request(`${base}/health`, { method: 'POST' })
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD'])
    expect((await request(`${base}/login/`, { method: 'POST' })).status).toBe(404)
  })

  test('the right token: 303 to /, a random session cookie (HttpOnly, SameSite=Strict, Max-Age; not Secure over http), never the token', async () => {
    const first = await logIn(base, TOKEN)
    expect(first.status).toBe(303)
    expect(first.headers.get('location')).toBe('/')
    expect(first.headers.getSetCookie()).toHaveLength(1)
    const [cookie = ''] = first.headers.getSetCookie()
    expect(cookie).toMatch(COOKIE)
    const value = COOKIE.exec(cookie)?.[1] ?? ''
    const derived = [TOKEN, Buffer.from(TOKEN).toString('base64url'), createHash('sha256').update(TOKEN).digest('base64url')]
    for (const text of derived) expect(value).not.toContain(text)
    for (const text of [first.body, first.headers.get('location') ?? '', cookie]) expect(text).not.toContain(TOKEN)
    // another login, another session
    const second = COOKIE.exec((await logIn(base, TOKEN)).headers.getSetCookie()[0] ?? '')?.[1]
    expect(second).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(second).not.toBe(value)
  })

  test('the cookie opens /, /diagnostics, /metrics and the whole /health', async () => {
    const headers = { cookie: await session(base) }
    const page = await request(`${base}/`, { headers })
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toBe(POLICY)
    expect(page.body).toContain('<form method="post" action="/logout"')
    expect(page.body).toContain('<span class="overall"')
    const diagnostics = await request(`${base}/diagnostics`, { headers })
    expect(diagnostics.status).toBe(200)
    expect(Object.keys(JSON.parse(diagnostics.body).checks).length).toBeGreaterThan(0)
    const metrics = await request(`${base}/metrics`, { headers })
    expect(metrics.status).toBe(200)
    expect(metrics.body).toMatch(/^prodcheck_runs_total \d+$/m)
    const health = JSON.parse((await request(`${base}/health`, { headers })).body)
    expect(Object.keys(health.checks).length).toBeGreaterThan(0)
    // an id the server never gave opens nothing
    const forged = { cookie: `prodcheck_session=${'A'.repeat(43)}` }
    expect((await request(`${base}/diagnostics`, { headers: forged })).status).toBe(401)
  })

  test('logout ends the session on the server: the old cookie opens nothing; other sessions live on', async () => {
    const cookie = await session(base)
    const other = await session(base)
    const out = await request(`${base}/logout`, { method: 'POST', headers: { cookie } })
    expect(out.status).toBe(303)
    expect(out.headers.get('location')).toBe('/')
    expect(out.headers.getSetCookie()).toEqual(['prodcheck_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict'])
    // the browser drops the cookie; whoever kept a copy gets nothing with it
    const page = await request(`${base}/`, { headers: { cookie } })
    expect(page.status).toBe(401)
    expect(page.body).toContain('<form method="post" action="/login">')
    expect(page.body).toContain('Your session has ended: log in again.')
    expect(page.headers.getSetCookie()).toEqual(['prodcheck_session=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict'])
    expect((await request(`${base}/diagnostics`, { headers: { cookie } })).status).toBe(401)
    expect((await request(`${base}/metrics`, { headers: { cookie } })).status).toBe(401)
    expect((await request(`${base}/diagnostics`, { headers: { cookie: other } })).status).toBe(200)
  })

  test('the Bearer header works as before (no logout button: no session to end)', async () => {
    const headers = { authorization: `Bearer ${TOKEN}` }
    for (const path of ['/', '/diagnostics', '/metrics']) expect((await request(`${base}${path}`, { headers })).status).toBe(200)
    expect((await request(`${base}/`, { headers })).body).not.toContain('/logout')
    expect((await request(`${base}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401)
  })

  test('a post from another site is refused (403), even with the right token; so is a logout', async () => {
    const crossSite: Array<Record<string, string>> = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'http://evil.example' },
      { origin: 'null' },
    ]
    for (const headers of crossSite) {
      const answer = await logIn(base, TOKEN, headers)
      expect(answer.status, JSON.stringify(headers)).toBe(403)
      expect(answer.headers.get('set-cookie')).toBeNull()
    }
    const cookie = await session(base)
    expect((await request(`${base}/logout`, { method: 'POST', headers: { cookie, 'sec-fetch-site': 'cross-site' } })).status).toBe(403)
    expect((await request(`${base}/diagnostics`, { headers: { cookie } })).status).toBe(200)
    // what a browser sends from the form itself
    expect((await logIn(base, TOKEN, { 'sec-fetch-site': 'same-origin', origin: base })).status).toBe(303)
  })

  describe('in Chromium', () => {
    test('the form, the token typed in, the status page; still logged in after a reload; logout returns to the form', async () => {
      const context = await browser.newContext()
      const page = await context.newPage()
      const visited: string[] = []
      page.on('request', (request) => visited.push(request.url()))
      expect((await page.goto(`${base}/`))?.status()).toBe(401)
      expect(await page.locator('input[type="password"]').count()).toBe(1)
      await page.fill('input[name="token"]', TOKEN)
      await Promise.all([page.waitForURL(`${base}/`), page.click('button[type="submit"]')])
      await page.waitForSelector('h1 .overall')
      expect(await page.locator('tbody tr').count()).toBeGreaterThan(0)
      const [cookie] = await context.cookies()
      expect(cookie).toMatchObject({ name: 'prodcheck_session', httpOnly: true, sameSite: 'Strict', secure: false, path: '/' })
      expect(cookie?.value).not.toContain(TOKEN)
      expect((cookie?.expires ?? 0) - Date.now() / 1000).toBeGreaterThan(43_200 - 60)
      expect((cookie?.expires ?? 0) - Date.now() / 1000).toBeLessThanOrEqual(43_200)
      // not readable from the page
      expect(await page.evaluate(() => document.cookie)).toBe('')

      expect((await page.reload())?.status()).toBe(200)
      expect(await page.locator('h1 .overall').count()).toBe(1)

      await Promise.all([page.waitForURL(`${base}/`), page.click('text=Log out')])
      await page.waitForSelector('input[type="password"]')
      expect(await context.cookies()).toEqual([])
      expect((await page.reload())?.status()).toBe(401)
      // the token went in a body only
      for (const url of visited) expect(url).not.toContain(TOKEN)
      await context.close()
    })

    test('a wrong token shows the form again, with the reason', async () => {
      const page = await browser.newPage()
      await page.goto(`${base}/`)
      await page.fill('input[name="token"]', 'not-the-token-0123456789')
      const [response] = await Promise.all([page.waitForResponse(`${base}/login`), page.click('button[type="submit"]')])
      expect(response.status()).toBe(401)
      expect(await page.textContent('[role="alert"]')).toBe('That is not the token. Try again.')
      expect(await page.locator('input[type="password"]').count()).toBe(1)
      await page.close()
    })
  })

  test.concurrent('bodies that are too large, too slow or not a form are refused, and the connection closed', async ({ expect }) => {
    const head = (more: string): string => `POST /login HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: ${FORM}\r\n${more}\r\n`
    const [declared, streamed, slow] = await Promise.all([
      raw(port, head('content-length: 1000000\r\n')),
      // a body that never ends: refused at 4 KiB, the socket closed while the client still sends
      raw(port, head('transfer-encoding: chunked\r\n'), `400\r\n${'a'.repeat(1024)}\r\n`),
      raw(port, `${head('content-length: 40\r\n')}token=${TOKEN.slice(0, 4)}`),
    ])
    expect(declared.text).toMatch(/^HTTP\/1\.1 413 [\s\S]*\r\nconnection: close\r\n[\s\S]*the body is larger than 4096 bytes\n$/i)
    expect(declared.ms).toBeLessThan(1000)
    expect(streamed.text).toMatch(/^HTTP\/1\.1 413 /)
    expect(streamed.ms).toBeLessThan(2000)
    expect(slow.text).toMatch(/^HTTP\/1\.1 408 [\s\S]*the body did not arrive within 2000 ms\n$/)
    expect(slow.ms).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 50)
    expect(slow.ms).toBeLessThan(BODY_TIMEOUT_MS + 1500)
    const json = await request(`${base}/login`, {
      method: 'POST',
      body: JSON.stringify({ token: TOKEN }),
      headers: { 'content-type': 'application/json' },
    })
    expect(json.status).toBe(415)
    expect(json.headers.get('set-cookie')).toBeNull()
  })

  test.concurrent('a wrong token: 401 and the form again, after a second, the token nowhere', async ({ expect }) => {
    const wrong = await logIn(base, 'wrong-token-0123456789abcdef', {}, '127.0.0.2')
    expect(wrong.status).toBe(401)
    expect(wrong.ms).toBeGreaterThanOrEqual(1000)
    expect(wrong.ms).toBeLessThan(2500)
    expect(wrong.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(wrong.headers.get('set-cookie')).toBeNull()
    expect(wrong.body).toContain('<p class="error" role="alert">That is not the token. Try again.</p>')
    expect(wrong.body).toContain('<form method="post" action="/login">')
    expect(wrong.body).not.toContain('wrong-token')
  })

  test.concurrent('guesses in parallel from one client: one is compared, the others 429 at once; the right token waits for the backoff; other clients do not', async ({
    expect,
  }) => {
    const client = '127.0.0.3'
    const started = performance.now()
    const pending = Promise.all(Array.from({ length: 8 }, (_, i) => logIn(base, `guess-${i}-0123456789abcdef`, {}, client)))
    await new Promise((resolve) => setTimeout(resolve, 300))
    // the right token is not compared during the backoff either (else it would tell which guess is right)
    const early = await logIn(base, TOKEN, {}, client)
    expect(early.status).toBe(429)
    expect(early.headers.get('set-cookie')).toBeNull()
    expect(Number(early.headers.get('retry-after'))).toBe(1)
    // another client is not held back
    expect((await logIn(base, TOKEN, {}, '127.0.0.4')).status).toBe(303)
    const guesses = await pending
    expect(guesses.map((guess) => guess.status).sort()).toEqual([401, 429, 429, 429, 429, 429, 429, 429])
    for (const guess of guesses.filter((guess) => guess.status === 429)) {
      expect(guess.ms).toBeLessThan(500)
      expect(guess.headers.get('retry-after')).toBe('1')
      expect(guess.body).toContain('Too many failed attempts: try again in 1 s.')
    }
    expect(guesses.find((guess) => guess.status === 401)?.ms).toBeGreaterThanOrEqual(1000)
    // once the 401 is in, the backoff of a first failure is over
    expect((await logIn(base, TOKEN, {}, client)).status).toBe(303)
    expect(performance.now() - started).toBeLessThan(2000)
  })
})

describe('the login behind a proxy and over TLS (createHealthServer in this process)', () => {
  /** A server with the login, listening on a free loopback port (HTTPS with `tls`). */
  async function listen(options: { token?: string; trustProxy?: boolean; sessionTtlMs?: number }, tls = false) {
    const { server } = createHealthServer({ metrics: createMetrics(), intervalMs: 60_000, token: TOKEN, ...options })
    const listener = tls ? createHttpsServer(selfSignedCertificate(), (req, res) => server.emit('request', req, res)) : server
    await new Promise<void>((done) => listener.listen(0, '127.0.0.1', done))
    const address = listener.address()
    const url = `${tls ? 'https' : 'http'}://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
    return {
      url,
      close: () =>
        new Promise<void>((done) => {
          listener.closeAllConnections()
          listener.close(() => done())
        }),
    }
  }

  test('Secure with trustProxy and X-Forwarded-Proto: https, not without trustProxy; sessionTtlMs sets Max-Age', async () => {
    const trusting = await listen({ trustProxy: true, sessionTtlMs: 3_600_000 })
    const direct = await listen({})
    try {
      const proxied = await logIn(trusting.url, TOKEN, { 'x-forwarded-proto': 'https' })
      expect(proxied.headers.getSetCookie()[0]).toMatch(
        /^prodcheck_session=[A-Za-z0-9_-]{43}; Max-Age=3600; Path=\/; HttpOnly; SameSite=Strict; Secure$/,
      )
      const plain = await logIn(trusting.url, TOKEN, { 'x-forwarded-proto': 'http' })
      expect(plain.headers.getSetCookie()[0]).toMatch(/; SameSite=Strict$/)
      const spoofed = await logIn(direct.url, TOKEN, { 'x-forwarded-proto': 'https' })
      expect(spoofed.headers.getSetCookie()[0]).toMatch(COOKIE)
    } finally {
      await Promise.all([trusting.close(), direct.close()])
    }
  })

  test('without a token there is no login: /login and /logout are unknown routes, as before', async () => {
    const open = await listen({ token: undefined })
    try {
      for (const path of ['/login', '/logout']) expect((await request(`${open.url}${path}`, { method: 'POST' })).status).toBe(404)
      expect((await request(`${open.url}/`)).body).not.toContain('/logout')
    } finally {
      await open.close()
    }
  })

  test('Secure over TLS', async () => {
    const server = await listen({}, true)
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } })
    try {
      const response = await fetch(`${server.url}/login`, {
        method: 'POST',
        body: `token=${TOKEN}`,
        headers: { 'content-type': FORM },
        redirect: 'manual',
        dispatcher,
      } as RequestInit)
      expect(response.status).toBe(303)
      expect(response.headers.getSetCookie()[0]).toMatch(/; HttpOnly; SameSite=Strict; Secure$/)
    } finally {
      await dispatcher.close()
      await server.close()
    }
  })

  test('guesses from many clients: a burst, then the others 429 at once, however many clients', async () => {
    const server = await listen({ trustProxy: true })
    try {
      const started = performance.now()
      const guesses = await Promise.all(
        Array.from({ length: 40 }, (_, i) => logIn(server.url, `guess-${i}-0123456789abcdef`, { 'x-forwarded-for': `198.51.100.${i + 1}` })),
      )
      const delayed = guesses.filter((guess) => guess.status === 401)
      expect(delayed).toHaveLength(GLOBAL_BURST)
      for (const guess of delayed) expect(guess.ms).toBeGreaterThanOrEqual(1000)
      expect(guesses.filter((guess) => guess.status === 429 && guess.ms < 500)).toHaveLength(40 - GLOBAL_BURST)
      // then about one a second: the right token, from a fresh client, gets in after at most a Retry-After
      let right = await logIn(server.url, TOKEN, { 'x-forwarded-for': '203.0.113.9' })
      if (right.status === 429) {
        expect(Number(right.headers.get('retry-after'))).toBe(1)
        await new Promise((resolve) => setTimeout(resolve, 1000))
        right = await logIn(server.url, TOKEN, { 'x-forwarded-for': '203.0.113.9' })
      }
      expect(right.status).toBe(303)
      expect(performance.now() - started).toBeLessThan(3500)
    } finally {
      await server.close()
    }
  })
})
