import type { IncomingMessage } from 'node:http'
import { get } from 'node:https'
import { connect } from 'node:net'
import { describe, expect, test } from 'vitest'
import { clientOf, cookie, createLogin, isSecure, renderLogin, SESSION_COOKIE, sameOrigin, sessionIds } from '../../../src/node/serve/login.ts'
import { type BodyError, readBody } from '../../../src/node/serve/request-body.ts'
import { Sessions } from '../../../src/node/serve/sessions.ts'
import { FAILURE_DELAY_MS, GLOBAL_BURST, Throttle } from '../../../src/node/serve/throttle.ts'
import { selfSignedCertificate, startHttp } from '../../support/servers.ts'

/** A request as the login reads it: headers, and the peer's address. */
function aRequest(headers: Record<string, string>, remoteAddress = '127.0.0.1'): IncomingMessage {
  return { headers, socket: { remoteAddress }, method: 'POST' } as unknown as IncomingMessage
}

describe('Sessions', () => {
  test('ids are 32 random bytes in base64url, all different', () => {
    const sessions = new Sessions(60_000)
    const ids = Array.from({ length: 50 }, () => sessions.create())
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(new Set(ids).size).toBe(50)
    expect(Buffer.from(ids[0] ?? '', 'base64url')).toHaveLength(32)
  })

  test('a session is valid until its expiry, then gone', () => {
    const sessions = new Sessions(1000)
    const id = sessions.create(10_000)
    expect(sessions.valid(id, 10_999)).toBe(true)
    expect(sessions.valid(id, 11_000)).toBe(false)
    expect(sessions.size).toBe(0)
  })

  test('revoke ends a session; unknown or malformed ids are not valid', () => {
    const sessions = new Sessions(60_000)
    const id = sessions.create()
    sessions.revoke(id)
    expect(sessions.valid(id)).toBe(false)
    expect(sessions.valid('x'.repeat(43))).toBe(false)
    expect(sessions.valid(`${id}x`)).toBe(false)
    expect(sessions.valid('')).toBe(false)
  })

  test('capped in number: a new session evicts the oldest', () => {
    const sessions = new Sessions(60_000, 3)
    const [a, b, c, d] = [1, 2, 3, 4].map((i) => sessions.create(i))
    expect(sessions.size).toBe(3)
    expect([a, b, c, d].map((id) => sessions.valid(id ?? '', 5))).toEqual([false, true, true, true])
  })
})

describe('Throttle', () => {
  test('one client: one attempt at a time, then a backoff that doubles up to a minute', () => {
    const throttle = new Throttle()
    expect(throttle.wait('a', 0)).toBe(0)
    throttle.failed('a', 0)
    expect(throttle.wait('a', 0)).toBe(FAILURE_DELAY_MS)
    expect(throttle.wait('a', 1000)).toBe(0)
    throttle.failed('a', 1000)
    expect(throttle.wait('a', 1000)).toBe(2000)
    let now = 3000
    for (let i = 0; i < 10; i++) {
      throttle.failed('a', now)
      now += throttle.wait('a', now)
    }
    throttle.failed('a', now)
    expect(throttle.wait('a', now)).toBe(60_000)
    // other clients are not held back by it
    expect(throttle.wait('b', now)).toBe(0)
  })

  test('the right token forgets the failures; so does a quarter of an hour', () => {
    const throttle = new Throttle()
    throttle.failed('a', 0)
    throttle.failed('a', 1000)
    throttle.succeeded('a')
    throttle.failed('a', 2000)
    expect(throttle.wait('a', 2000)).toBe(1000)
    throttle.failed('a', 3000)
    throttle.failed('a', 3000 + 2000 + 15 * 60_000)
    expect(throttle.wait('a', 3000 + 2000 + 15 * 60_000)).toBe(1000)
  })

  test('across clients: a burst of failures, then one a second; the answers pending at once stay bounded', () => {
    const throttle = new Throttle()
    let pending = 0
    let most = 0
    const answered: number[] = []
    // one guess per new client every 10 ms for 10 s: each wrong one is answered a second later
    for (let now = 0, i = 0; now < 10_000; now += 10, i++) {
      while (answered.length > 0 && (answered[0] ?? 0) <= now) {
        answered.shift()
        pending--
      }
      if (throttle.wait(`client ${i}`, now) > 0) continue
      throttle.failed(`client ${i}`, now)
      answered.push(now + FAILURE_DELAY_MS)
      most = Math.max(most, ++pending)
    }
    expect(most).toBeLessThanOrEqual(GLOBAL_BURST + 1)
    // 10 at once, then about one a second
    const total = new Throttle()
    let guesses = 0
    for (let now = 0, i = 0; now < 10_000; now += 10, i++) {
      if (total.wait(`client ${i}`, now) > 0) continue
      total.failed(`client ${i}`, now)
      guesses++
    }
    expect(guesses).toBeGreaterThanOrEqual(GLOBAL_BURST + 9)
    expect(guesses).toBeLessThanOrEqual(GLOBAL_BURST + 10)
  })

  test('the clients it remembers are capped', () => {
    const throttle = new Throttle(10_000, 1, 3)
    for (const client of ['a', 'b', 'c', 'd']) throttle.failed(client, 0)
    expect(['a', 'b', 'c', 'd'].map((client) => throttle.wait(client, 0))).toEqual([0, 1000, 1000, 1000])
  })
})

describe('cookies', () => {
  test('the Set-Cookie value: HttpOnly, SameSite=Strict, Path=/, Max-Age, Secure when asked', () => {
    expect(cookie('abc', 43_200, false)).toBe(`${SESSION_COOKIE}=abc; Max-Age=43200; Path=/; HttpOnly; SameSite=Strict`)
    expect(cookie('', 0, true)).toBe(`${SESSION_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict; Secure`)
  })

  test('sessionIds finds every cookie of that name, and no other', () => {
    expect(sessionIds(undefined)).toEqual([])
    expect(sessionIds('theme=dark; prodcheck_session=abc;x=1; prodcheck_session = def')).toEqual(['abc', 'def'])
    expect(sessionIds('my_prodcheck_session=abc; prodcheck_sessionx=def')).toEqual([])
    // a header of cookies is cut before it is read
    expect(sessionIds(`${'a=b; '.repeat(5000)}prodcheck_session=abc`)).toEqual([])
  })
})

describe('isSecure', () => {
  test('over TLS; behind a proxy only when trusted and it says https', async () => {
    const seen: boolean[] = []
    const server = await startHttp((request, response) => {
      seen.push(isSecure(request, false))
      response.end()
    }, selfSignedCertificate())
    try {
      await new Promise<void>((resolve, reject) => {
        get(server.url, { rejectUnauthorized: false }, (res) => res.resume().on('end', resolve)).on('error', reject)
      })
      expect(seen).toEqual([true])
    } finally {
      await server.close()
    }
    expect(isSecure(aRequest({ 'x-forwarded-proto': 'https' }), false)).toBe(false)
    expect(isSecure(aRequest({ 'x-forwarded-proto': 'https' }), true)).toBe(true)
    expect(isSecure(aRequest({ 'x-forwarded-proto': 'HTTPS, http' }), true)).toBe(true)
    expect(isSecure(aRequest({ 'x-forwarded-proto': 'http' }), true)).toBe(false)
    expect(isSecure(aRequest({}), true)).toBe(false)
  })
})

describe('sameOrigin', () => {
  test.each([
    [{ 'sec-fetch-site': 'same-origin', origin: 'http://elsewhere.example' }, true],
    [{ 'sec-fetch-site': 'cross-site' }, false],
    [{ 'sec-fetch-site': 'same-site' }, false],
    [{ 'sec-fetch-site': 'none' }, false],
    [{ origin: 'http://status.example:1515', host: 'status.example:1515' }, true],
    [{ origin: 'http://evil.example', host: 'status.example:1515' }, false],
    [{ origin: 'null', host: 'status.example:1515' }, false],
    [{ host: 'status.example:1515' }, true],
  ])('%j: %s', (headers, expected) => {
    expect(sameOrigin(aRequest(headers), false)).toBe(expected)
  })

  test('behind a trusted proxy, the host it forwarded', () => {
    const request = aRequest({ origin: 'https://status.example', host: '10.0.0.5:1515', 'x-forwarded-host': 'status.example' })
    expect(sameOrigin(request, false)).toBe(false)
    expect(sameOrigin(request, true)).toBe(true)
  })
})

describe('clientOf', () => {
  test.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['2001:db8:0:1::5', '2001:db8:0:1::/64'],
    ['2001:db8:0:1:aaaa:bbbb:cccc:dddd', '2001:db8:0:1::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:0DB8:0000:0001::1', '2001:db8:0:1::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s: %s', (address, client) => {
    expect(clientOf(aRequest({}, address), false)).toBe(client)
  })

  test('the address a trusted proxy appended last, not the ones the client sent', () => {
    const request = aRequest({ 'x-forwarded-for': '1.1.1.1, 203.0.113.7' }, '10.0.0.2')
    expect(clientOf(request, false)).toBe('10.0.0.2')
    expect(clientOf(request, true)).toBe('203.0.113.7')
    expect(clientOf(aRequest({}, '10.0.0.2'), true)).toBe('10.0.0.2')
  })
})

describe('readBody', () => {
  /** A server that answers what readBody made of the request: the body, or the refusal's status. */
  async function echo(limit: number, timeoutMs: number) {
    return startHttp((request, response) => {
      readBody(request, limit, timeoutMs).then(
        (body) => response.end(`body ${body}`),
        (error: BodyError) => response.writeHead(error.status, { connection: 'close' }).end(`refused ${error.status}`),
      )
    })
  }

  /** Sends raw bytes, keeps the socket open, and resolves with what came back once the server closes. */
  function send(port: number, bytes: string): Promise<{ text: string; ms: number }> {
    const started = performance.now()
    return new Promise((resolve, reject) => {
      let text = ''
      const socket = connect(port, '127.0.0.1', () => socket.write(bytes))
      socket.setEncoding('utf8').on('data', (chunk) => (text += chunk))
      socket.on('close', () => resolve({ text, ms: performance.now() - started }))
      socket.on('error', reject)
    })
  }

  test('a body within the limit', async () => {
    const server = await echo(16, 1000)
    try {
      const response = await fetch(server.url, { method: 'POST', body: 'token=abc' })
      expect(await response.text()).toBe('body token=abc')
    } finally {
      await server.close()
    }
  })

  test('too large: 413 before a byte is read when Content-Length says so, at the limit when chunked', async () => {
    const server = await echo(16, 1000)
    try {
      const declared = await send(server.port, 'POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 1000000\r\n\r\n')
      expect(declared.text).toMatch(/^HTTP\/1\.1 413 /)
      const chunked = await send(server.port, `POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n11\r\n${'a'.repeat(17)}\r\n`)
      expect(chunked.text).toMatch(/^HTTP\/1\.1 413 /)
    } finally {
      await server.close()
    }
  })

  test('too slow: 408 once the time is up', async () => {
    const server = await echo(16, 300)
    try {
      const slow = await send(server.port, 'POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\ntoken')
      expect(slow.text).toMatch(/^HTTP\/1\.1 408 /)
      expect(slow.ms).toBeGreaterThanOrEqual(290)
      expect(slow.ms).toBeLessThan(2000)
    } finally {
      await server.close()
    }
  })
})

describe('renderLogin', () => {
  test('one password field posted to /login, no script, the message when given', () => {
    const html = renderLogin('That is not the token. Try again.')
    expect(html).toContain('<form method="post" action="/login">')
    expect(html.match(/<input /g)).toHaveLength(1)
    expect(html).toContain('type="password"')
    expect(html).not.toMatch(/<script|javascript:|\son\w+=/i)
    expect(html).toContain('That is not the token. Try again.')
    expect(renderLogin()).not.toContain('role="alert"')
  })
})

describe('createLogin', () => {
  test('refuses a session lifetime under a second', () => {
    expect(() => createLogin({ verify: () => false, sessionTtlMs: 0 })).toThrow(/at least 1000/)
  })

  test('withLogout adds a logout form before the end of the page', () => {
    const login = createLogin({ verify: () => false })
    expect(login.withLogout('<body><p>status</p></body></html>')).toBe(
      '<body><p>status</p><form method="post" action="/logout" style="margin:1rem 0 0"><button type="submit" style="font:inherit;padding:.3rem .8rem">Log out</button></form>\n</body></html>',
    )
  })
})
