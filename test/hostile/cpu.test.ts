// CPU is bounded by the deadline: what a peer sends is cut before it is scanned, parsed or
// redacted, and every pattern is linear. A 200 OK whose body is 200,000 newlines (the
// instance that took 20–60 s and froze a worker), and its kin, pass or fail within the
// deadline + 20 %, through the matcher, through `prodcheck run --timeout 2s`, and through serve.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { Socket } from 'node:net'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { prodcheck } from '../support/cli.ts'
import { type Running, startHttp, startTcp } from '../support/servers.ts'
import { LIMIT_MS, loadProbes, mustFail, record, TIMEOUT_MS, writeRows } from './record.ts'

const timeoutMs = TIMEOUT_MS

/** Bodies made of what the old patterns were quadratic on. */
const BODIES: Array<[string, string]> = [
  [
    '900 KB of JSON that misses 200 expectations',
    JSON.stringify(Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, Array.from({ length: 500 }, (_, j) => j)]))),
  ],
  ['200,000 newlines', '\n'.repeat(200_000)],
  ['1 MiB of blanks after a header name', `authorization:${' '.repeat(1024 * 1024)}`],
  ['65,536 empty Authorization header lines', 'Authorization: \n'.repeat(65_536)],
  ['1 MiB of colons, quotes and equals', ':"=\''.repeat(256 * 1024)],
  ['a bearer token of 1 MiB', `Bearer ${'A'.repeat(1024 * 1024)}`],
  ['keys with unterminated values', '"password":"'.repeat(80_000)],
  ['URLs without hosts', 'http://a:'.repeat(100_000)],
]

let api: Running
let redis: Running
beforeAll(loadProbes)
beforeAll(async () => {
  api = await startHttp((req, res) => {
    const index = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('body'))
    res.writeHead(200, { 'content-type': 'text/plain' }).end(BODIES[index]?.[1] ?? '')
  })
  // answers every command (ioredis sends CLIENT SETINFO first) with 900 KB of newlines and colons
  redis = await startTcp((socket: Socket) =>
    socket.on('data', (data) => {
      for (const command of data.toString().split(/(?=\*\d+\r\n)/))
        socket.write(command.includes('PING') ? `$${300_000 * 3}\r\n${'\n:"'.repeat(300_000)}\r\n` : '+OK\r\n')
    }),
  )
})
afterAll(async () => {
  await api?.close()
  await redis?.close()
  writeRows(import.meta.filename)
})

describe('a body made to be slow to scan', () => {
  test.each(BODIES.map(([name], index) => ({ name, index })))(
    '$name: passes within the deadline, and fails within it when an expectation breaks',
    async ({ name, index }) => {
      const url = `${api.url}/?body=${index}`
      const started = performance.now()
      await expect(url).toRespondHttp({ timeoutMs })
      const passMs = performance.now() - started
      expect(passMs, `${name}: passing took ${Math.round(passMs)} ms`).toBeLessThan(LIMIT_MS)
      const json = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 'x']))
      await mustFail(
        'CPU',
        `a body of ${name}`,
        'toRespondHttp',
        () => expect(url).toRespondHttp({ timeoutMs, bodyIncludes: 'never there', bodyMatches: /never/, headersMatch: { 'x-none': 'y' }, json }),
        /failed {4}body does not include "never there"/,
      )
      record({
        category: 'CPU',
        case: `a 200 OK whose body is ${name}`,
        check: 'toRespondHttp',
        outcome: `passes in ${Math.round(passMs)} ms; fails with its message within the limit`,
        ms: passMs,
        limitMs: LIMIT_MS,
      })
    },
  )
})

describe('real rows and replies made to be slow to scan', () => {
  test.each([
    [
      'PostgreSQL',
      'postgres://postgres@127.0.0.1:5432/test',
      "select repeat(E'\\n', 200000) as a, repeat(':\"=', 100000) as b, repeat('Authorization: \n', 20000) as c",
    ],
    [
      'MariaDB',
      'mysql://root@127.0.0.1:3306/test',
      "select repeat('\\n', 200000) as a, repeat(':\"=', 100000) as b, repeat('Authorization: \\n', 20000) as c",
    ],
  ])('%s: a row of 200,000 newlines and 620 KB of separators', async (name, dsn, query) => {
    const started = performance.now()
    await expect(dsn).toConnectToDatabase({ timeoutMs, query })
    const ms = performance.now() - started
    expect(ms).toBeLessThan(LIMIT_MS)
    record({
      category: 'CPU',
      case: `${name}: a row of 200,000 newlines and 620 KB of separators`,
      check: 'toConnectToDatabase',
      outcome: 'passes; the row is cut before it is redacted',
      ms,
      limitMs: LIMIT_MS,
    })
  })

  test('Redis: a reply of 900 KB of newlines and separators', async () => {
    const started = performance.now()
    await expect(`redis://127.0.0.1:${redis.port}`).toConnectToDatabase({ timeoutMs })
    const ms = performance.now() - started
    expect(ms).toBeLessThan(LIMIT_MS)
    record({
      category: 'CPU',
      case: 'Redis: a reply of 900 KB of newlines and separators',
      check: 'toConnectToDatabase',
      outcome: 'passes; the reply is cut before it is redacted',
      ms,
      limitMs: LIMIT_MS,
    })
  })
})

describe('prodcheck run --timeout 2s reports every such check at once', () => {
  test('the checks of the instance, in one run: a report within the deadline and the start-up', async () => {
    const scratch = resolve(import.meta.dirname, '../.scratch')
    mkdirSync(scratch, { recursive: true })
    const dir = mkdtempSync(join(scratch, 'cpu-'))
    try {
      mkdirSync(join(dir, 'prod-tests'))
      writeFileSync(
        join(dir, 'vitest.config.ts'),
        `import { defineConfig } from 'vitest/config'\nimport { defineProdProject } from '../../../src/node/config.ts'\nexport default defineConfig({ test: { projects: [defineProdProject()] } })\n`,
      )
      const checks = BODIES.map(
        (_, index) =>
          `test('body ${index}', async () => { await expect(\`\${process.env.API_URL}/?body=${index}\`).toRespondHttp({ bodyIncludes: 'never there' }) })`,
      )
      writeFileSync(join(dir, 'prod-tests', 'bodies.test.ts'), `import { expect, test } from 'vitest'\n${checks.join('\n')}\n`)
      const run = await prodcheck(dir, ['run', '--timeout', '2s', '--format', 'json'], { API_URL: api.url }, 60_000)
      expect(run.code, run.stderr).toBe(1)
      const document = JSON.parse(run.stdout)
      expect(Object.keys(document.checks)).toHaveLength(BODIES.length)
      expect(run.ms).toBeLessThan(15_000)
      record({
        category: 'CPU',
        case: `${BODIES.length} such checks in one \`prodcheck run --timeout 2s\``,
        check: 'prodcheck run',
        outcome: 'every check reported, the run exits with 1',
        ms: run.ms,
        limitMs: 0,
      })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
