/**
 * Overhead of a check over the raw client doing the same work, one after another in a loop:
 * - undici: new connection, GET, read the body, close   vs  toRespondHttp(url)
 * - pg: connect, `select 1`, end                          vs  toConnectToDatabase(postgres DSN, { query })
 * - ioredis: connect, PING, QUIT                          vs  toConnectToDatabase(redis DSN)
 * Raw and prodcheck alternate op by op, so that drift of the machine hits both.
 * Targets: ≤ 1 ms added per check, ≤ 1.1× each.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { installBuild, WORK } from './workspace.ts'

const ITERATIONS = Number(process.env.BENCH_OVERHEAD_ITERATIONS ?? 200)
const WARMUP = 30

export interface OverheadRow {
  client: string
  rawMs: number
  checkMs: number
  addedMs: number
  ratio: number
}

type Matcher = (this: { isNot: boolean }, target: unknown, options?: object) => Promise<{ pass: boolean; message(): string }>

export async function benchOverhead(): Promise<OverheadRow[]> {
  installBuild()
  const dist = join(WORK, 'node_modules/prodcheck/dist')
  const { matchers } = (await import(join(dist, 'matchers/index.js'))) as { matchers: Record<string, Matcher> }
  const { Agent, request } = await import('undici')
  const { default: pg } = await import('pg')
  const { Redis } = await import('ioredis')
  const server = createServer((_, response) => response.end('{"status":"ok"}'))
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`
  const postgres = 'postgres://postgres@127.0.0.1:5432/test'
  const redis = 'redis://127.0.0.1:6379'
  const context = { isNot: false }
  const check = async (matcher: string, target: string, options?: object): Promise<void> => {
    const result = await matchers[matcher]?.call(context, target, options)
    if (!result?.pass) throw new Error(result?.message() ?? `${matcher} missing`)
  }
  const pairs: Array<[string, () => Promise<void>, () => Promise<void>]> = [
    [
      'undici request vs toRespondHttp',
      async () => {
        const dispatcher = new Agent({ connections: 1, pipelining: 0 })
        const response = await request(url, { dispatcher })
        await response.body.text()
        await dispatcher.destroy()
      },
      () => check('toRespondHttp', url),
    ],
    [
      'pg connect + select 1 vs toConnectToDatabase',
      async () => {
        const client = new pg.Client({ connectionString: postgres })
        await client.connect()
        await client.query('select 1')
        await client.end()
      },
      () => check('toConnectToDatabase', postgres, { query: 'select 1' }),
    ],
    [
      'ioredis connect + PING vs redis DSN',
      async () => {
        const client = new Redis(redis, { lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0 })
        await client.connect()
        await client.ping()
        await client.quit()
      },
      () => check('toConnectToDatabase', redis),
    ],
  ]
  const rows: OverheadRow[] = []
  try {
    for (const [client, raw, ours] of pairs) {
      for (let i = 0; i < WARMUP; i++) {
        await raw()
        await ours()
      }
      // one of each in turn: drift, GC and the TIME_WAIT of closed sockets fall on both alike
      let rawTotal = 0
      let checkTotal = 0
      for (let i = 0; i < ITERATIONS; i++) {
        let started = performance.now()
        await raw()
        rawTotal += performance.now() - started
        started = performance.now()
        await ours()
        checkTotal += performance.now() - started
      }
      const rawMs = rawTotal / ITERATIONS
      const checkMs = checkTotal / ITERATIONS
      rows.push({ client, rawMs, checkMs, addedMs: checkMs - rawMs, ratio: checkMs / rawMs })
    }
  } finally {
    server.closeAllConnections()
    server.close()
  }
  return rows
}

export function overheadTable(rows: readonly OverheadRow[]): string {
  const lines = ['| work | raw client ms/op | prodcheck ms/op | added ms | ratio |', '|---|---:|---:|---:|---:|']
  for (const r of rows)
    lines.push(`| ${r.client} | ${r.rawMs.toFixed(3)} | ${r.checkMs.toFixed(3)} | ${r.addedMs.toFixed(3)} | ${r.ratio.toFixed(2)}× |`)
  return lines.join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(overheadTable(await benchOverhead()))
  process.exit(0)
}
