// The fleet, for real: three hosts (network namespaces on a bridge) each run
// `prodcheck serve` with checks of their own; one host cannot reach a service. A real
// Prometheus scrapes all three with the bearer token and evaluates deploy/prometheus/alerts.yml:
// `prodcheck_check_up == 0` must name exactly the broken host's check, and its alert must be pending.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { CLI } from '../support/cli.ts'
import { createFleetNetwork, type FleetHost, type FleetNetwork } from '../support/fleet-network.ts'
import { freePort } from '../support/servers.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const TOKEN = 'fleet-token-0123456789abcdef'
const PROMETHEUS = '/usr/bin/prometheus'

// each host's own checks; "c" is the host whose route to the service is broken
const CHECKS: Record<string, Record<string, string>> = {
  a: {
    'api.test.ts': `test('api is up', { tags: ['smoke'] }, async () => { await expect(process.env.SERVICE_URL).toRespondHttp({ timeoutMs: 1000 }) })`,
  },
  b: {
    'api.test.ts': `test('api is up', { tags: ['smoke'] }, async () => { await expect(process.env.SERVICE_URL).toRespondHttp({ timeoutMs: 1000 }) })`,
    'port.test.ts': `test('service port open', { tags: ['diagnostic'] }, async () => { await expect(process.env.SERVICE_ADDRESS).toAcceptTcp({ timeoutMs: 1000 }) })`,
  },
  c: {
    'api.test.ts': `test('api is up', { tags: ['smoke'] }, async () => { await expect(process.env.SERVICE_URL).toRespondHttp({ timeoutMs: 1000 }) })`,
  },
}

let network: FleetNetwork | undefined
let service: Server | undefined
let prometheus: ChildProcess | undefined
let prometheusUrl = ''
const serves: ChildProcess[] = []
const scratch = resolve(ROOT, `test/.scratch/fleet-${process.pid}`)

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build`)
  if (!existsSync(PROMETHEUS)) throw new Error(`${PROMETHEUS} is missing: apt-get install -y prometheus (.ci/run does it)`)
  network = createFleetNetwork(['a', 'b', 'c'])
  const broken = network.hosts.find((host) => host.name === 'c') as FleetHost
  network.breakRoute(broken)

  service = createServer((_, response) => response.end('{"status":"ok"}'))
  await new Promise<void>((done) => service?.listen(0, '0.0.0.0', done))
  const servicePort = (service.address() as AddressInfo).port

  mkdirSync(scratch, { recursive: true })
  for (const host of network.hosts) {
    const dir = join(scratch, host.name)
    mkdirSync(join(dir, 'prod-tests'), { recursive: true })
    writeFileSync(
      join(dir, 'vitest.config.ts'),
      `import { defineConfig } from 'vitest/config'\nimport { defineProdProject } from '../../../../src/node/config.ts'\nexport default defineConfig({ test: { projects: [defineProdProject()] } })\n`,
    )
    for (const [file, body] of Object.entries(CHECKS[host.name] ?? {}))
      writeFileSync(join(dir, 'prod-tests', file), `import { expect, test } from 'vitest'\n${body}\n`)
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        host.namespace,
        process.execPath,
        CLI,
        'serve',
        '--host',
        host.address,
        '--port',
        '1515',
        '--interval',
        '1s',
        '--token',
        TOKEN,
        '--label',
        `host=${host.name}`,
      ],
      {
        cwd: dir,
        env: { ...process.env, SERVICE_URL: `http://${network.service}:${servicePort}/health`, SERVICE_ADDRESS: `${network.service}:${servicePort}` },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    serves.push(child)
  }

  const tokenFile = join(scratch, 'token')
  writeFileSync(tokenFile, TOKEN)
  const config = join(scratch, 'prometheus.yml')
  writeFileSync(
    config,
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: ["${join(ROOT, 'deploy/prometheus/alerts.yml')}"]`,
      'scrape_configs:',
      '  - job_name: prodcheck',
      `    authorization: { type: Bearer, credentials_file: "${tokenFile}" }`,
      `    static_configs: [{ targets: [${network.hosts.map((host) => `"${host.address}:1515"`).join(', ')}] }]`,
      '',
    ].join('\n'),
  )
  const port = await freePort()
  prometheusUrl = `http://127.0.0.1:${port}`
  prometheus = spawn(
    PROMETHEUS,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(scratch, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: 'ignore' },
  )
}, 60_000)

afterAll(async () => {
  const stopped = [...serves, prometheus]
    .filter((child): child is ChildProcess => child !== undefined)
    .map(
      (child) =>
        new Promise((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done(undefined)
          child.once('exit', done)
          child.kill('SIGTERM')
          setTimeout(() => child.kill('SIGKILL'), 5000).unref()
        }),
    )
  await Promise.all(stopped)
  await new Promise((done) => (service ? service.close(done) : done(undefined)))
  network?.remove()
  rmSync(scratch, { recursive: true, force: true })
}, 30_000)

async function query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`)
  const body = (await response.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }
  if (body.status !== 'success') throw new Error(`Prometheus: ${JSON.stringify(body)}`)
  return body.data.result
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    await new Promise((done) => setTimeout(done, 500))
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
}

test('Prometheus sees exactly the broken host, and its smoke alert is pending', async () => {
  const hosts = network?.hosts ?? []
  // every host scraped twice with the results of a completed run of its checks
  await until('two scrapes of every host with results', async () => {
    const scrapes = await query('count by (instance) (count_over_time(prodcheck_check_up{job="prodcheck"}[1m]) >= 2)')
    return scrapes.length === hosts.length ? scrapes : undefined
  })
  const up = await query('up{job="prodcheck"}')
  expect(up.map((series) => [series.metric.instance, series.value[1]]).sort()).toEqual(hosts.map((host) => [`${host.address}:1515`, '1']))

  const down = await query('prodcheck_check_up == 0')
  expect(down.map((series) => series.metric)).toEqual([
    {
      __name__: 'prodcheck_check_up',
      job: 'prodcheck',
      instance: `${hosts[2]?.address}:1515`,
      host: 'c',
      check: 'api is up',
      tier: 'smoke',
      file: 'prod-tests/api.test.ts',
    },
  ])
  expect((await query('prodcheck_check_up == 1')).map((series) => `${series.metric.host}/${series.metric.check}`).sort()).toEqual([
    'a/api is up',
    'b/api is up',
    'b/service port open',
  ])

  const alerts = await until('the smoke alert', async () => {
    const response = await fetch(`${prometheusUrl}/api/v1/alerts`)
    const body = (await response.json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } }
    const found = body.data.alerts.filter((alert) => alert.labels.alertname === 'ProdcheckSmokeCheckFailing')
    return found.length > 0 ? found : undefined
  })
  expect(alerts).toEqual([
    expect.objectContaining({
      state: 'pending',
      labels: expect.objectContaining({ instance: `${hosts[2]?.address}:1515`, check: 'api is up', severity: 'page' }),
    }),
  ])
}, 90_000)
