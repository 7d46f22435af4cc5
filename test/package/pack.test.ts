// The package as users get it: `npm pack`, installed into fresh consumer projects with the
// Vitest they use, configured exactly as the README says, checked and type-checked.
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type Running, startHttp } from '../support/servers.ts'
import { runVitest, statuses } from '../support/vitest-run.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')
const run = promisify(execFile)

let work: string
let tarball: string
let api: Running

const CHECKS = `import { expect, test } from 'vitest'

test('api is up', { tags: ['smoke'] }, async () => {
  await expect(process.env.API_URL).toRespondHttp({ status: 200, json: { status: 'ok' } })
})

test('redis answers', async () => {
  await expect(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').toConnectToDatabase({ query: 'PING' })
})

test('the host answers ping', async () => {
  await expect('127.0.0.1').toBePingable({ count: 1 })
})

test('the optional failing check', async () => {
  if (process.env.FAIL_URL) await expect(process.env.FAIL_URL).toRespondHttp()
})

test('optional drivers that are not installed say how to install them', async () => {
  await expect(expect('mysql://root@127.0.0.1:3306/test').toConnectToDatabase()).rejects.toThrow('toConnectToDatabase: install mysql2 to check mysql:// targets (npm i mysql2)')
  await expect(expect('amqp://127.0.0.1:5672').toConnectToBroker()).rejects.toThrow('toConnectToBroker: install amqplib to check amqp:// targets (npm i amqplib)')
  await expect(expect('mqtt://127.0.0.1:1883').toConnectToBroker()).rejects.toThrow('toConnectToBroker: install mqtt to check mqtt:// targets (npm i mqtt)')
  await expect(expect('nats://127.0.0.1:4222').not.toConnectToBroker()).rejects.toThrow('toConnectToBroker: install nats to check nats:// targets (npm i nats)')
})
`

const README_CONFIG = `import { defineConfig } from 'vitest/config'
import { defineProdProject } from 'prodcheck/config'
export default defineConfig({ test: { projects: [{ test: { name: 'unit', include: ['test/**/*.test.ts'] } }, defineProdProject()] } })
`

// Vitest resolves a bare environment name as vitest-environment-<name>: the environment is given as a path
const HAND_WRITTEN_CONFIG = `import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
export default defineConfig({
  test: {
    sequence: { concurrent: true },
    projects: [
      {
        test: {
          name: 'prod',
          include: ['prod-tests/**/*.test.ts'],
          environment: fileURLToPath(import.meta.resolve('prodcheck/environment')),
          setupFiles: ['prodcheck/vitest'],
          tags: [{ name: 'smoke' }, { name: 'diagnostic' }],
        },
      },
    ],
  },
})
`

function consumer(name: string, dependencies: Record<string, string>, config: string): string {
  const dir = join(work, name)
  mkdirSync(join(dir, 'prod-tests'), { recursive: true })
  mkdirSync(join(dir, 'test'), { recursive: true })
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module', devDependencies: { prodcheck: `file:${tarball}`, ...dependencies } }, null, 2))
  writeFileSync(join(dir, 'vitest.config.ts'), config)
  writeFileSync(join(dir, 'prod-tests/api.test.ts'), CHECKS)
  writeFileSync(join(dir, 'test/unit.test.ts'), `import { expect, test } from 'vitest'\ntest('unit', () => expect(1).toBe(1))\n`)
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
      include: ['prod-tests', 'vitest.config.ts'],
    }),
  )
  return dir
}

async function install(dir: string): Promise<void> {
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: dir, timeout: 240_000 })
}

async function typecheck(dir: string): Promise<string> {
  try {
    await run(process.execPath, [TSC, '-p', dir], { cwd: dir })
    return ''
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error)
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'prodcheck-pack-'))
  const { stdout } = await run('npm', ['pack', '--pack-destination', work, '--loglevel=error'], { cwd: ROOT, timeout: 120_000 })
  tarball = join(work, stdout.trim().split('\n').at(-1) ?? '')
  api = await startHttp((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'))
}, 180_000)

afterAll(async () => {
  await api?.close()
  rmSync(work, { recursive: true, force: true })
})

describe('the packed tarball', () => {
  test('holds the built entries, the README and no sources or tests', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball])
    const files = stdout.split('\n').filter(Boolean)
    for (const entry of ['package/dist/src/index.js', 'package/dist/src/index.d.ts', 'package/dist/src/vitest.js', 'package/dist/src/environment.js', 'package/dist/src/config.js', 'package/dist/src/runner.js', 'package/README.md']) {
      expect(files).toContain(entry)
    }
    expect(files.filter((f) => /^package\/(src|test|prod-tests)\//.test(f))).toEqual([])
  })

  describe('in an ESM project with Vitest 4.1, configured as the README says', () => {
    let dir: string
    beforeAll(async () => {
      dir = consumer('consumer-vitest4', { vitest: '4.1.12' }, README_CONFIG)
      await install(dir)
    }, 300_000)

    test('runs the checks of the prod project only, and passes', async () => {
      const result = await runVitest(dir, ['--project', 'prod'], { API_URL: `${api.url}/health` })
      expect(result.code, result.output).toBe(0)
      expect(statuses(result.report)).toEqual({
        'api is up': 'passed',
        'redis answers': 'passed',
        'the host answers ping': 'passed',
        'the optional failing check': 'passed',
        'optional drivers that are not installed say how to install them': 'passed',
      })
    })

    test('exits 1 with the matcher message when a check fails', async () => {
      const result = await runVitest(dir, ['--project', 'prod'], { API_URL: `${api.url}/health`, FAIL_URL: 'http://127.0.0.1:1/health' })
      expect(result.code).toBe(1)
      expect(result.output).toContain('toRespondHttp: http://127.0.0.1:1/health')
      expect(result.output).toContain('ECONNREFUSED')
    })

    test('type-checks the checks and the config', async () => {
      expect(await typecheck(dir)).toBe('')
    })
  })

  describe('with environment and setup file written by hand', () => {
    test('runs the checks', async () => {
      const dir = consumer('consumer-by-hand', { vitest: '4.1.12' }, HAND_WRITTEN_CONFIG)
      await install(dir)
      const result = await runVitest(dir, ['--project', 'prod'], { API_URL: `${api.url}/health` })
      expect(result.code, result.output).toBe(0)
      expect(result.report?.numPassedTests).toBe(5)
    }, 300_000)
  })

  describe('with Vitest 5 (types; running it needs Node 22)', () => {
    test('type-checks the checks and the config', async () => {
      const dir = consumer('consumer-vitest5', { vitest: '^5.1.0' }, README_CONFIG)
      await install(dir)
      expect(await typecheck(dir)).toBe('')
    }, 300_000)
  })
})
