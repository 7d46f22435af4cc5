import { createServer as createProxyServer, request as forward } from 'node:http'
import { createSecureServer } from 'node:http2'
import { type AddressInfo, connect } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { probeHttp } from '../../src/probes/http.ts'
import { TargetError } from '../../src/core/errors.ts'
import { timed } from '../support/failure.ts'
import { watchHandles } from '../support/handles.ts'
import { createSilentHost } from '../support/netns.ts'
import { freePort, type Running, selfSignedCertificate, startGarbage, startHttp, startSilent, startTcp } from '../support/servers.ts'

const servers: Running[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})
async function serve(...args: Parameters<typeof startHttp>): Promise<Running> {
  const server = await startHttp(...args)
  servers.push(server)
  return server
}
async function serveTcp(start: Promise<Running>): Promise<Running> {
  const server = await start
  servers.push(server)
  return server
}

describe('probeHttp against a healthy server', () => {
  test('passes on 2xx by default and reports what it saw', async () => {
    const api = await serve((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-version': '1.4.2' })
      res.end('{"status":"ok","checks":{"db":"up"}}')
    })
    const result = await probeHttp(`${api.url}/health`)
    expect(result).toMatchObject({
      ok: true,
      target: `${api.url}/health`,
      summary: 'HTTP 200 OK',
      failures: [],
      observed: { status: 200, statusText: 'OK', body: '{"status":"ok","checks":{"db":"up"}}', bodyBytes: 36, bodyTruncated: false, redirects: [] },
    })
    expect(result.observed.headers['x-version']).toBe('1.4.2')
    expect(result.latencyMs).toBeGreaterThan(0)
    expect(result.observed.connectMs).toBeGreaterThan(0)
    expect(result.error).toBeUndefined()
  })

  test('checks status as a code, a class or a list', async () => {
    const api = await serve((_, res) => res.writeHead(204).end())
    expect((await probeHttp(api.url, { status: 204 })).ok).toBe(true)
    expect((await probeHttp(api.url, { status: '2xx' })).ok).toBe(true)
    expect((await probeHttp(api.url, { status: [200, 204] })).ok).toBe(true)
    const wrong = await probeHttp(api.url, { status: [200, '3xx'] })
    expect(wrong.ok).toBe(false)
    expect(wrong.failures).toEqual(['status 204, expected one of 200, 3xx'])
  })

  test('fails on a 503 with the status and the body it saw', async () => {
    const api = await serve((_, res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"down","db":"timeout"}'))
    const result = await probeHttp(api.url)
    expect(result.ok).toBe(false)
    expect(result.summary).toBe('HTTP 503 Service Unavailable')
    expect(result.failures).toEqual(['status 503, expected 2xx'])
    expect(result.observed.body).toBe('{"status":"down","db":"timeout"}')
  })

  test('sends method, headers and a JSON body', async () => {
    const api = await serve((req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ method: req.method, type: req.headers['content-type'], trace: req.headers['x-trace'], body })),
      )
    })
    const result = await probeHttp(api.url, {
      method: 'post',
      headers: { 'X-Trace': 'abc' },
      body: { ping: 1 },
      json: { method: 'POST', type: 'application/json', trace: 'abc', body: '{"ping":1}' },
    })
    expect(result.failures).toEqual([])
    expect(result.ok).toBe(true)
  })

  test('checks body text, patterns, partial JSON and headers, listing every failure', async () => {
    const api = await serve((_, res) =>
      res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'max-age=60' }).end('<h1>maintenance</h1>'),
    )
    const result = await probeHttp(api.url, {
      bodyIncludes: ['welcome', 'maintenance'],
      bodyMatches: /version \d+/,
      json: { status: 'ok' },
      headersMatch: { 'Content-Type': /json/, 'cache-control': 'no-store', 'x-missing': 'x' },
    })
    expect(result.ok).toBe(false)
    expect(result.failures).toEqual([
      'header content-type is "text/html", expected a match of /json/',
      'header cache-control is "max-age=60", expected "no-store"',
      'header x-missing is missing, expected "x"',
      'body does not include "welcome"',
      'body does not match /version \\d+/',
      expect.stringMatching(/^body is not JSON \(/),
    ])
  })

  test('matches JSON partially, with RegExp leaves, naming the paths that differ', async () => {
    const api = await serve((_, res) => res.end(JSON.stringify({ status: 'ok', version: '3.0.1', checks: { db: 'down' } })))
    expect((await probeHttp(api.url, { json: { status: 'ok', version: /^3\./ } })).ok).toBe(true)
    expect((await probeHttp(api.url, { json: { checks: { db: 'up' } } })).failures).toEqual(['JSON $.checks.db is "down", expected "up"'])
  })

  test('fails a response slower than maxLatencyMs, saying by how much', async () => {
    const api = await serve((_, res) => setTimeout(() => res.end('late'), 150))
    const result = await probeHttp(api.url, { maxLatencyMs: 50 })
    expect(result.ok).toBe(false)
    expect(result.failures[0]).toMatch(/^took \d+ ms, over the latency budget of 50 ms$/)
  })

  test('sends basic auth from the URL, and never shows the password', async () => {
    const api = await serve((req, res) => {
      const ok = req.headers.authorization === `Basic ${Buffer.from('monitor:pa55-w0rd').toString('base64')}`
      res.writeHead(ok ? 200 : 401).end(ok ? 'hello monitor' : 'who are you?')
    })
    const result = await probeHttp(`http://monitor:pa55-w0rd@127.0.0.1:${api.port}/`, { bodyIncludes: 'monitor' })
    expect(result.ok).toBe(true)
    expect(result.target).toBe(`http://monitor:***@127.0.0.1:${api.port}/`)
    expect(JSON.stringify(result)).not.toContain('pa55-w0rd')
  })
})

describe('probeHttp and redirects', () => {
  test('follows redirects and records them', async () => {
    const api = await serve((req, res) => {
      if (req.url === '/old') res.writeHead(301, { location: '/new' }).end()
      else if (req.url === '/new') res.writeHead(302, { location: `http://127.0.0.1:${api.port}/final` }).end()
      else res.end('final')
    })
    const result = await probeHttp(`${api.url}/old`, { bodyIncludes: 'final' })
    expect(result.ok).toBe(true)
    expect(result.observed.redirects).toEqual([`${api.url}/new`, `${api.url}/final`])
    expect(result.observed.url).toBe(`${api.url}/final`)
  })

  test('does not follow when followRedirects is false', async () => {
    const api = await serve((_, res) => res.writeHead(302, { location: '/elsewhere' }).end())
    const result = await probeHttp(api.url, { followRedirects: false, status: 302 })
    expect(result.ok).toBe(true)
    expect(result.observed.redirects).toEqual([])
  })

  test('detects a redirect loop', async () => {
    const api = await serve((req, res) => res.writeHead(302, { location: req.url === '/a' ? '/b' : '/a' }).end())
    const result = await probeHttp(`${api.url}/a`)
    expect(result.ok).toBe(false)
    expect(result.error).toMatchObject({ code: 'EREDIRECTLOOP', message: `redirect loop: ${api.url}/a → ${api.url}/b → ${api.url}/a` })
  })

  test('stops after the redirect limit', async () => {
    const api = await serve((req, res) => res.writeHead(302, { location: `/n${Number(req.url?.slice(2) || 0) + 1}` }).end())
    const result = await probeHttp(`${api.url}/n0`, { followRedirects: 3 })
    expect(result.error?.code).toBe('ETOOMANYREDIRECTS')
    expect(result.error?.message).toMatch(/^more than 3 redirects: /)
    expect((await probeHttp(`${api.url}/n0`)).error?.message).toMatch(/^more than 10 redirects/)
  })

  test('refuses a redirect to another scheme', async () => {
    const api = await serve((_, res) => res.writeHead(301, { location: 'ftp://files.example.com/x' }).end())
    expect((await probeHttp(api.url)).error).toMatchObject({
      code: 'EREDIRECTSCHEME',
      message: 'redirected to ftp://files.example.com/x, which is not http(s)',
    })
  })

  test('turns POST into GET on 303, and drops credentials on a cross-origin redirect', async () => {
    const other = await serve((req, res) => res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization ?? null })))
    const api = await serve((_, res) => res.writeHead(303, { location: `http://localhost:${other.port}/done` }).end())
    const result = await probeHttp(api.url, {
      method: 'POST',
      body: 'x',
      headers: { authorization: 'Bearer top-secret-token' },
      json: { method: 'GET', auth: null },
    })
    expect(result.failures).toEqual([])
    expect(result.ok).toBe(true)
  })
})

describe('probeHttp against misbehaving servers', () => {
  test('fails, not hangs, when the server accepts and never answers', async () => {
    const silent = await serveTcp(startSilent())
    const { value: result, ms } = await timed(() => probeHttp(silent.url, { timeoutMs: 500 }))
    expect(ms).toBeLessThan(600)
    expect(result.ok).toBe(false)
    expect(result.error?.code).toBe('ETIMEDOUT')
    expect(result.error?.message).toMatch(/^connected in [\d.]+ ms, but no response from 127\.0\.0\.1:\d+ within 500 ms$/)
    expect(result.error?.hint).toMatch(/accepted the connection but did not answer/)
  })

  test('fails within the deadline when the body never ends', async () => {
    const api = await serve((_, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('partial')
    })
    const { value: result, ms } = await timed(() => probeHttp(api.url, { timeoutMs: 400 }))
    expect(ms).toBeLessThan(480)
    expect(result.error?.message).toBe('status 200 arrived, but the body was not complete within 400 ms (7 bytes received)')
  })

  test('fails within the deadline when headers are dribbled one byte at a time', async () => {
    const dribble = await serveTcp(
      startTcp((socket) => {
        const text = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'
        let i = 0
        const timer = setInterval(() => (i < text.length ? socket.write(text[i++] ?? '') : clearInterval(timer)), 100)
        socket.on('close', () => clearInterval(timer))
      }),
    )
    const { value: result, ms } = await timed(() => probeHttp(dribble.url, { timeoutMs: 500 }))
    expect(ms).toBeLessThan(600)
    expect(result.error?.code).toBe('ETIMEDOUT')
  })

  test('reports a server that closes mid-body', async () => {
    const api = await serve((_, res) => {
      res.writeHead(200, { 'content-length': '1000' })
      res.write('x'.repeat(100))
      setTimeout(() => res.socket?.destroy(), 20)
    })
    const result = await probeHttp(api.url)
    expect(result.ok).toBe(false)
    expect(result.error?.message).toMatch(/body length does not match Content-Length|closed the connection in the middle of the body/)
  })

  test('reports a refused port', async () => {
    const port = await freePort()
    const result = await probeHttp(`http://127.0.0.1:${port}/`)
    expect(result.error).toEqual({
      code: 'ECONNREFUSED',
      message: `connection refused by 127.0.0.1:${port}`,
      hint: 'nothing is listening there: is the service running, and are host and port right?',
    })
  })

  test('reports a name that does not resolve', async () => {
    const result = await probeHttp('http://no-such-host.invalid/health')
    expect(result.error?.code).toMatch(/ENOTFOUND|EAI_AGAIN/)
    expect(result.error?.message).toMatch(/no-such-host\.invalid/)
  })

  test('reports a server that does not speak HTTP', async () => {
    const garbage = await serveTcp(startGarbage())
    const result = await probeHttp(garbage.url)
    expect(result.ok).toBe(false)
    expect(result.error?.code).toBe('EBADHTTP')
    expect(result.error?.message).toMatch(/sent an invalid HTTP response/)
  })

  test('keeps at most maxBodyBytes of a large body, reads it to the end, and says the body was truncated', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a')
    const api = await serve((_, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      let sent = 0
      const pump = (): void => {
        while (sent < 10) {
          sent++
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
        res.end('END')
      }
      pump()
    })
    const result = await probeHttp(api.url, { maxBodyBytes: 1024, bodyIncludes: 'END' })
    expect(result.observed).toMatchObject({ bodyBytes: 10 * 64 * 1024 + 3, bodyTruncated: true, bodyComplete: true })
    expect(result.observed.body.length).toBe(1024)
    expect(result.failures).toEqual(['body does not include "END" (only the first 1 KiB were kept: raise maxBodyBytes)'])
  })

  test.each([
    ['the default budget, 8 MiB', {}, 8 * 1024 * 1024],
    ['maxReceivedBytes', { maxReceivedBytes: 1024 * 1024 }, 1024 * 1024],
    ['maxBodyBytes + 1 MiB, when larger than 8 MiB', { maxBodyBytes: 10 * 1024 * 1024 }, 11 * 1024 * 1024],
  ])('stops reading an endless body past %s, and fails saying so', async (_, options, budget) => {
    const chunk = Buffer.alloc(64 * 1024, 'a')
    const api = await serve((_, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      const timer = setInterval(() => res.write(chunk), 1)
      res.on('close', () => clearInterval(timer))
    })
    const result = await probeHttp(api.url, { ...options, timeoutMs: 10_000 })
    expect(result.ok).toBe(false)
    expect(result.error).toMatchObject({
      code: 'ETOOLARGE',
      message: expect.stringMatching(/^the body is larger than [\d.]+ MiB \(status 200\): the check stopped reading$/),
      hint: expect.stringContaining('raise maxReceivedBytes'),
    })
    expect(result.observed.bodyComplete).toBe(false)
    expect(result.observed.bodyBytes).toBeGreaterThan(budget)
    expect(result.observed.bodyBytes).toBeLessThan(budget + 256 * 1024)
  })
})

describe('probeHttp over TLS', () => {
  const tls = selfSignedCertificate()

  test('rejects a self-signed certificate by default, saying why', async () => {
    const api = await serve((_, res) => res.end('ok'), tls)
    const result = await probeHttp(`https://127.0.0.1:${api.port}/`)
    expect(result.ok).toBe(false)
    expect(result.error?.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT')
    expect(result.error?.hint).toMatch(/self-signed/)
  })

  test('trusts a CA given in tls.ca, or any certificate with rejectUnauthorized false', async () => {
    const api = await serve((_, res) => res.end('ok'), tls)
    expect((await probeHttp(`https://localhost:${api.port}/`, { tls: { ca: tls.cert } })).ok).toBe(true)
    expect((await probeHttp(`https://127.0.0.1:${api.port}/`, { tls: { rejectUnauthorized: false } })).ok).toBe(true)
  })

  test('says the TLS handshake hung when the port accepts and stays silent', async () => {
    const silent = await serveTcp(startSilent())
    const result = await probeHttp(`https://127.0.0.1:${silent.port}/`, { timeoutMs: 300 })
    expect(result.error?.message).toBe(`connected to 127.0.0.1:${silent.port}, but the TLS handshake did not complete within 300 ms`)
  })

  test('reports a plain-HTTP port addressed as https', async () => {
    const api = await serve((_, res) => res.end('ok'))
    const result = await probeHttp(`https://127.0.0.1:${api.port}/`)
    expect(result.ok).toBe(false)
    expect(result.error?.hint).toMatch(/does not speak TLS|TLS/)
  })
})

describe('probeHttp through a proxy', () => {
  test('sends the request through the proxy option (CONNECT tunnel, as undici does)', async () => {
    const api = await serve((req, res) => res.end(`hello ${req.headers.host}`))
    const seen: string[] = []
    const proxy = createProxyServer((req, res) => {
      seen.push(`${req.method} ${req.url}`)
      const upstream = forward(req.url ?? '', { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      })
      req.pipe(upstream)
    })
    proxy.on('connect', (req, client, head) => {
      seen.push(`CONNECT ${req.url}`)
      const [host, port] = (req.url ?? '').split(':')
      const upstream = connect(Number(port), host ?? '', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        upstream.write(head)
        upstream.pipe(client)
        client.pipe(upstream)
      })
      upstream.on('error', () => client.destroy())
      client.on('error', () => upstream.destroy())
    })
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
    try {
      const port = (proxy.address() as AddressInfo).port
      const result = await probeHttp(api.url, { proxy: `http://127.0.0.1:${port}`, bodyIncludes: 'hello' })
      expect(result.error).toBeUndefined()
      expect(result.ok).toBe(true)
      expect(seen).toHaveLength(1)
    } finally {
      proxy.closeAllConnections()
      await new Promise((resolve) => proxy.close(resolve))
    }
  })

  test('names the proxy when the proxy refuses connections', async () => {
    const api = await serve((_, res) => res.end('ok'))
    const port = await freePort()
    const result = await probeHttp(api.url, { proxy: `http://127.0.0.1:${port}` })
    expect(result.ok).toBe(false)
    expect(result.error).toMatchObject({
      code: 'ECONNREFUSED',
      message: `connection refused by the proxy 127.0.0.1:${port} (for 127.0.0.1:${api.port})`,
    })
    expect(result.error?.hint).toMatch(/check the proxy/)
  })

  test('reads HTTP_PROXY like curl does, and rejects a value that is not a proxy URL', async () => {
    const api = await serve((_, res) => res.end('ok'))
    const saved = process.env.HTTP_PROXY
    try {
      const port = await freePort()
      process.env.HTTP_PROXY = `127.0.0.1:${port}`
      expect((await probeHttp(api.url)).error?.message).toBe(`connection refused by the proxy 127.0.0.1:${port} (for 127.0.0.1:${api.port})`)
      process.env.HTTP_PROXY = 'ftp://proxy.internal'
      await expect(probeHttp(api.url)).rejects.toThrow(
        'HTTP_PROXY / http_proxy is set to "ftp://proxy.internal", which is not a proxy URL (e.g. http://proxy.internal:3128)',
      )
    } finally {
      if (saved === undefined) delete process.env.HTTP_PROXY
      else process.env.HTTP_PROXY = saved
    }
  })
})

describe('probeHttp input and resources', () => {
  test.each([
    [undefined, /the target is undefined/],
    ['', /empty string/],
    ['ftp://x/y', /has the scheme "ftp"/],
    ['http://a/\r\nHost: evil', /control character/],
    ['http://127.0.0.1:70000/', /port 70000 is out of range/],
  ])('rejects the target %j before sending anything', async (target, message) => {
    await expect(probeHttp(target as string)).rejects.toThrow(message)
  })

  test.each([
    [{ method: 'GET /x HTTP/1.1' }, /method must be an HTTP method/],
    [{ headers: { 'x-a': 'b\r\nx-injected: 1' } }, /header x-a contains a line break/],
    [{ headers: { 'bad header': 'x' } }, /not a valid HTTP header name/],
    [{ status: 700 }, /status must be a code/],
    [{ status: [] }, /status must not be an empty list/],
    [{ bodyMatches: 'x' }, /bodyMatches must be a RegExp/],
    [{ followRedirects: -1 }, /followRedirects must be/],
    [{ timeoutMs: 0 }, /timeoutMs must be a positive number/],
    [{ proxy: 'socks5://p:1080' }, /expected a proxy URL/],
    [{ method: 5 }, /method must be an HTTP method/],
    [{ method: 'CONNECT' }, /method must be an HTTP method/],
    [{ headers: 'abc' }, /headers must be an object/],
    [{ headers: { 'x-a': 'a\u0001b' } }, /header x-a contains a line break, a control character or a character beyond Latin-1/],
    [{ tls: { ca: 123 } }, /tls.ca must be PEM text/],
    [{ tls: { servername: '10.0.0.1' } }, /tls.servername must be a DNS name/],
    [{ body: new Date() }, /body must be a string, bytes, or a plain object/],
  ])('rejects the options %j with a clear error', async (options, message) => {
    const error = await probeHttp('http://127.0.0.1:9/', options as never).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TargetError)
    expect(String(error)).toMatch(message)
  })

  test('leaves no socket or timer open, whatever the outcome', async () => {
    const silent = await serveTcp(startSilent())
    const api = await serve((_, res) => res.end('ok'))
    const handles = watchHandles()
    await Promise.all([probeHttp(api.url), probeHttp(silent.url, { timeoutMs: 200 }), probeHttp(`http://127.0.0.1:${await freePort()}/`)])
    await Promise.all(servers.splice(0).map((s) => s.close()))
    expect(await handles.leaked()).toEqual([])
  })

  test('accepts a Headers instance', async () => {
    const api = await serve((req, res) => res.end(`auth=${req.headers.authorization}`))
    const result = await probeHttp(api.url, { headers: new Headers({ authorization: 'Bearer header-token-77' }) })
    expect(result.observed.body).toBe('auth=*** ***')
  })

  test('destroys a connection still being made when the caller aborts', async () => {
    const silent = createSilentHost()
    try {
      const handles = watchHandles()
      const controller = new AbortController()
      setTimeout(() => controller.abort(new Error('run cancelled')), 200)
      const result = await probeHttp(`http://${silent.address}:80/`, { timeoutMs: 5000 }, controller.signal)
      expect(result.error).toMatchObject({ code: 'EABORTED', message: expect.stringMatching(/run cancelled \(while connecting\)$/) })
      expect(await handles.leaked()).toEqual([])
    } finally {
      silent.remove()
    }
  })

  test('stops when the caller aborts', async () => {
    const silent = await serveTcp(startSilent())
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('run cancelled')), 100)
    const { value: result, ms } = await timed(() => probeHttp(silent.url, { timeoutMs: 5000 }, controller.signal))
    expect(ms).toBeLessThan(1000)
    expect(result.error?.code).toBe('EABORTED')
    expect(result.error?.message).toMatch(/run cancelled/)
  })
})

describe('probeHttp with http2', () => {
  const certificate = selfSignedCertificate()
  let h2: { url: string; close(): Promise<void> }
  let h1: Running
  beforeAll(async () => {
    const server = createSecureServer({ ...certificate, allowHTTP1: true }, (request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' })
      response.end(`over HTTP/${request.httpVersion}`)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    h2 = { url: `https://localhost:${(server.address() as AddressInfo).port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) }
    h1 = await startHttp((_, response) => response.end('over HTTP/1.1'), certificate)
  })
  afterAll(async () => {
    await h2?.close()
    await h1?.close()
  })

  test('negotiates HTTP/2 by ALPN; the version is in every result', async () => {
    const handles = watchHandles()
    const result = await probeHttp(h2.url, { http2: true, tls: { ca: certificate.cert }, bodyIncludes: 'over HTTP/2.0' })
    expect(result).toMatchObject({ ok: true, observed: { httpVersion: '2', status: 200 } })
    expect(await handles.leaked()).toEqual([])
    // without the option, the same server is spoken to in HTTP/1.1, and says so
    expect((await probeHttp(h2.url, { tls: { ca: certificate.cert }, bodyIncludes: 'over HTTP/1.1' })).observed.httpVersion).toBe('1.1')
  })

  test('fails when the server offers HTTP/1.1 only, with what it chose', async () => {
    const result = await probeHttp(`https://localhost:${h1.port}/`, { http2: true, tls: { ca: certificate.cert } })
    expect(result).toMatchObject({ ok: false, summary: 'HTTP 200 OK', observed: { httpVersion: '1.1' } })
    expect(result.failures).toEqual(['the server chose HTTP/1.1, expected HTTP/2 (ALPN h2)'])
  })

  test.each([
    ['http://', 'http://127.0.0.1:1/', {}, /http2 needs an https:\/\/ URL/],
    ['a proxy', 'https://127.0.0.1:1/', { proxy: 'http://127.0.0.1:3128' }, /http2 cannot be checked through a proxy/],
    ['a string', 'https://127.0.0.1:1/', { http2: 'yes' }, /http2 must be true or false/],
  ])('rejects http2 with %s', async (_, url, options, message) => {
    const error = await probeHttp(url, { http2: true, ...options } as never).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TargetError)
    expect(String(error)).toMatch(message)
  })
})
