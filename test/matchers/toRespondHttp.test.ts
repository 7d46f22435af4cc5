import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { getRuntime } from '../../src/worker/runtime.ts'
import { failureOf } from '../support/failure.ts'
import { freePort, type Running, startHttp, startSilent } from '../support/servers.ts'

let api: Running
let silent: Running
beforeAll(async () => {
  api = await startHttp((req, res) => {
    if (req.url === '/health') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')
    if (req.url === '/down') return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"down","reason":"db timeout"}')
    if (req.url?.startsWith('/echo-auth')) return void res.end(`auth=${req.headers.authorization}`)
    res.writeHead(404).end()
  })
  silent = await startSilent()
})
afterAll(async () => {
  await api.close()
  await silent.close()
})

describe('toRespondHttp', () => {
  test('passes on a healthy endpoint', async () => {
    await expect(`${api.url}/health`).toRespondHttp({ status: 200, json: { status: 'ok' } })
  })

  test('accepts a URL object', async () => {
    await expect(new URL(`${api.url}/health`)).toRespondHttp()
  })

  test('fails with target, expectation, observation, problem and body', async () => {
    const message = await failureOf(expect(`${api.url}/down`).toRespondHttp({ status: 200, json: { status: 'ok' }, maxLatencyMs: 2000 }))
    expect(message).toMatch(
      new RegExp(
        [
          `^toRespondHttp: ${api.url}/down`,
          '  expected  GET → status 200, JSON matching \\{"status":"ok"\\}, within 2000 ms',
          '  observed  HTTP 503 Service Unavailable in [\\d.]+ ms',
          '  failed    status 503, expected 200',
          '  failed    JSON \\$\\.status is "down", expected "ok"',
          '  body      \\{"status":"down","reason":"db timeout"\\} \\[application/json\\]$',
        ].join('\\n'),
      ),
    )
  })

  test('fails a refused port with the error code and a fix', async () => {
    const port = await freePort()
    const message = await failureOf(expect(`http://127.0.0.1:${port}/health`).toRespondHttp())
    expect(message).toContain(`observed  ECONNREFUSED: connection refused by 127.0.0.1:${port} (after`)
    expect(message).toContain('fix       nothing is listening there: is the service running, and are host and port right?')
  })

  test('fails a hanging server at the deadline, with the deadline in the message', async () => {
    const started = performance.now()
    const message = await failureOf(expect(silent.url).toRespondHttp({ timeoutMs: 300 }))
    expect(performance.now() - started).toBeLessThan(360)
    expect(message).toMatch(/observed {2}ETIMEDOUT: connected in [\d.]+ ms, but no response from 127\.0\.0\.1:\d+ within 300 ms/)
  })

  test('uses the deadline of the environment when the check gives none, even as undefined', async () => {
    const runtime = getRuntime()
    runtime.timeoutMs = 250
    try {
      const message = await failureOf(expect(silent.url).toRespondHttp({ timeoutMs: undefined }))
      expect(message).toMatch(/within 250 ms/)
    } finally {
      runtime.timeoutMs = 5000
    }
  })

  test('rejects options that are not an object', async () => {
    await expect(expect(`${api.url}/health`).toRespondHttp('fast' as never)).rejects.toThrow('toRespondHttp: options must be an object, got "fast"')
  })

  test('.not passes when the endpoint is down, and fails when it answers', async () => {
    await expect(`${api.url}/down`).not.toRespondHttp()
    await expect(`http://127.0.0.1:${await freePort()}/`).not.toRespondHttp()
    const message = await failureOf(expect(`${api.url}/health`).not.toRespondHttp({ status: 200 }))
    expect(message).toMatch(
      /^not\.toRespondHttp: http:\/\/127\.0\.0\.1:\d+\/health\n {2}expected {2}not: GET → status 200\n {2}observed {2}HTTP 200 OK in [\d.]+ ms: every expectation held/,
    )
  })

  test('never shows a password, a token parameter or an Authorization header', async () => {
    const message = await failureOf(
      expect(`http://admin:Top-Secret-77@127.0.0.1:${api.port}/echo-auth?token=Tok-Secret-88`).toRespondHttp({
        headers: { 'X-Api-Key': 'Key-Secret-99' },
        bodyIncludes: 'never there',
      }),
    )
    expect(message).toContain(`toRespondHttp: http://admin:***@127.0.0.1:${api.port}/echo-auth?token=***`)
    expect(message).toContain('auth=*** ***')
    for (const secret of ['Top-Secret-77', 'Tok-Secret-88', 'Key-Secret-99', Buffer.from('admin:Top-Secret-77').toString('base64')]) {
      expect(message).not.toContain(secret)
    }
  })

  test('throws a clear error for bad input, even under .not', async () => {
    await expect(expect(undefined).toRespondHttp()).rejects.toThrow(
      'toRespondHttp: the target is undefined: expected an http(s) URL (is the environment variable that holds it set?)',
    )
    await expect(expect('ftp://x').not.toRespondHttp()).rejects.toThrow(/^toRespondHttp: "ftp:\/\/x" has the scheme "ftp"/)
    await expect(expect(`${api.url}/health`).toRespondHttp({ status: 'ok' as never })).rejects.toThrow(/toRespondHttp: status must be a code/)
  })

  test('records the check on the test for reporters, as typed data', async ({ task }) => {
    await expect(`${api.url}/health`).toRespondHttp({ maxLatencyMs: 2000 })
    await expect(`http://127.0.0.1:${await freePort()}/`).not.toRespondHttp()
    expect(task.meta.prodcheck).toEqual([
      {
        matcher: 'toRespondHttp',
        target: `${api.url}/health`,
        tier: 'diagnostic',
        status: 'pass',
        latencyMs: expect.any(Number),
        phases: { connect: expect.any(Number), firstByte: expect.any(Number), body: expect.any(Number) },
        budgetMs: 2000,
        expected: 'GET → status 2xx, within 2000 ms',
        summary: 'HTTP 200 OK',
        failures: [],
        warnings: [],
        componentType: 'component',
        facts: { httpStatus: 200, httpVersion: '1.1', redirects: 0 },
      },
      expect.objectContaining({ status: 'pass', negated: true, expected: 'not: GET → status 2xx', failures: [] }),
    ])
  })

  test('records what failed, every failure line, the error and its fix', async ({ task }) => {
    await expect(expect(`${api.url}/health`).toRespondHttp({ status: 204, bodyIncludes: 'nope' })).rejects.toThrow()
    const port = await freePort()
    await expect(expect(`http://127.0.0.1:${port}/`).toRespondHttp()).rejects.toThrow()
    const [wrong, refused] = task.meta.prodcheck ?? []
    expect(wrong).toMatchObject({ status: 'fail', summary: 'HTTP 200 OK', failures: ['status 200, expected 204', 'body does not include "nope"'] })
    expect(refused).toMatchObject({
      status: 'fail',
      failures: [],
      error: { code: 'ECONNREFUSED', message: `connection refused by 127.0.0.1:${port}`, hint: expect.stringMatching(/nothing is listening there/) },
    })
  })
})

describe('the search-cluster recipe (README, prod-tests/search.test.ts)', () => {
  test('a red cluster fails, naming the field and what it holds', async () => {
    const cluster = await startHttp((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ cluster_name: 'search', status: 'red', timed_out: false, unassigned_shards: 4 }))
    })
    try {
      const message = await failureOf(
        expect(`${cluster.url}/_cluster/health`).toRespondHttp({ status: 200, json: { status: /^(green|yellow)$/, timed_out: false } }),
      )
      expect(message).toContain('failed    JSON $.status is "red", expected a string matching /^(green|yellow)$/')
      expect(message).toContain('"unassigned_shards":4')
    } finally {
      await cluster.close()
    }
  })
})
