// The package as users get it: `npm pack`, installed into fresh consumer projects (ESM and
// CommonJS; Vitest 4.1, Vitest 5 on Node 22, Jest 30), configured as the README says, run
// against real services, and type-checked.
import { execFile, spawn } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type Running, startHttp, startSilent } from '../support/servers.ts'
import { runVitest, statuses } from '../support/vitest-run.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')
const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test'
const run = promisify(execFile)

let work: string
let tarball: string
let api: Running
let silent: Running

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
  await expect(expect('grpc://127.0.0.1:50051').toBeServingGrpc()).rejects.toThrow('toBeServingGrpc: install @grpc/grpc-js to check grpc:// targets (npm i @grpc/grpc-js)')
})
`
const PASSING = {
  'api is up': 'passed',
  'redis answers': 'passed',
  'the host answers ping': 'passed',
  'the optional failing check': 'passed',
  'optional drivers that are not installed say how to install them': 'passed',
}

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

interface Consumer {
  name: string
  module: 'esm' | 'cjs'
  dependencies: Record<string, string>
}

/** A fresh project depending on the tarball, with the Vitest checks above. */
function vitestConsumer({ name, module, dependencies }: Consumer, config: string): string {
  const dir = join(work, name)
  mkdirSync(join(dir, 'prod-tests'), { recursive: true })
  mkdirSync(join(dir, 'test'), { recursive: true })
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      { name, private: true, ...(module === 'esm' && { type: 'module' }), devDependencies: { prodcheck: `file:${tarball}`, ...dependencies } },
      null,
      2,
    ),
  )
  writeFileSync(join(dir, module === 'esm' ? 'vitest.config.ts' : 'vitest.config.mts'), config)
  writeFileSync(join(dir, 'prod-tests/api.test.ts'), CHECKS)
  writeFileSync(join(dir, 'test/unit.test.ts'), `import { expect, test } from 'vitest'\ntest('unit', () => expect(1).toBe(1))\n`)
  writeTsconfig(dir, module, ['prod-tests', module === 'esm' ? 'vitest.config.ts' : 'vitest.config.mts'])
  return dir
}

function writeTsconfig(dir: string, module: 'esm' | 'cjs', include: string[]): void {
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
        ...(module === 'cjs' && { verbatimModuleSyntax: false }),
      },
      include,
    }),
  )
}

async function install(dir: string): Promise<void> {
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: dir, timeout: 240_000 })
}

/** The consumer projects, each made and installed once: all installs start together, as soon as the tarball exists. */
const CONSUMERS: Record<string, () => string> = {
  'esm-vitest4': () => vitestConsumer({ name: 'esm-vitest4', module: 'esm', dependencies: { vitest: '4.1.12' } }, README_CONFIG),
  'cjs-vitest4': () => vitestConsumer({ name: 'cjs-vitest4', module: 'cjs', dependencies: { vitest: '4.1.12' } }, README_CONFIG),
  'esm-by-hand': () => vitestConsumer({ name: 'esm-by-hand', module: 'esm', dependencies: { vitest: '4.1.12' } }, HAND_WRITTEN_CONFIG),
  'esm-vitest5': () => vitestConsumer({ name: 'esm-vitest5', module: 'esm', dependencies: { vitest: '^5.1.0' } }, README_CONFIG),
  'cjs-jest30': () => {
    const dir = join(work, 'cjs-jest30')
    cpSync(resolve(ROOT, 'test/fixtures/jest-consumer'), dir, { recursive: true })
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'cjs-jest30', private: true, devDependencies: { prodcheck: `file:${tarball}`, jest: '^30.0.0' } }, null, 2),
    )
    writeTsconfig(dir, 'cjs', ['prod-tests/types.ts'])
    return dir
  },
}
const installed = new Map<string, Promise<string>>()

/** The directory of a consumer project, installed. */
function consumer(name: keyof typeof CONSUMERS): Promise<string> {
  let ready = installed.get(name)
  if (!ready) {
    const make = CONSUMERS[name] as () => string
    ready = (async () => {
      const dir = make()
      await install(dir)
      return dir
    })()
    // awaited by the tests that use it; a failure is theirs to report
    ready.catch(() => {})
    installed.set(name, ready)
  }
  return ready
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
  // the build is npm test's (its pretest): packed as it stands, not built a second time by prepack
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--loglevel=error'], { cwd: ROOT, timeout: 120_000 })
  tarball = join(work, stdout.trim().split('\n').at(-1) ?? '')
  api = await startHttp((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'))
  silent = await startSilent()
  // npm installs are mostly waiting: the five run side by side
  for (const name of Object.keys(CONSUMERS)) consumer(name)
}, 180_000)

afterAll(async () => {
  await api?.close()
  await silent?.close()
  rmSync(work, { recursive: true, force: true })
})

describe('the packed tarball', () => {
  test('holds the built entries, the README, no sources or tests, and passes publint', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball])
    const files = stdout.split('\n').filter(Boolean)
    for (const entry of [
      'package/dist/src/index.js',
      'package/dist/src/index.d.ts',
      'package/dist/src/worker/vitest.js',
      'package/dist/src/worker/environment.js',
      'package/dist/src/node/config.js',
      'package/dist/src/worker/runner.js',
      'package/dist/src/node/reporter/index.js',
      'package/dist/cjs/package.json',
      'package/dist/cjs/src/worker/jest/setup.js',
      'package/dist/cjs/src/worker/jest/environment.js',
      'package/README.md',
    ]) {
      expect(files).toContain(entry)
    }
    expect(files.filter((f) => /^package\/(src|test|prod-tests|bench|docs)\//.test(f))).toEqual([])
    const { stdout: lint } = await run(process.execPath, [join(ROOT, 'node_modules/publint/src/cli.js'), '--strict'], { cwd: ROOT, timeout: 120_000 })
    expect(lint).toContain('All good!')
  })

  describe('in an ESM project with Vitest 4.1, configured as the README says', () => {
    let dir: string
    beforeAll(async () => {
      dir = await consumer('esm-vitest4')
    }, 300_000)

    test('runs the checks of the prod project only, and passes', async () => {
      const result = await runVitest(dir, ['--project', 'prod'], { env: { API_URL: `${api.url}/health` } })
      expect(result.code, result.output).toBe(0)
      expect(statuses(result.report)).toEqual(PASSING)
    })

    test('exits 1 with the matcher message when a check fails', async () => {
      const result = await runVitest(dir, ['--project', 'prod'], { env: { API_URL: `${api.url}/health`, FAIL_URL: 'http://127.0.0.1:1/health' } })
      expect(result.code).toBe(1)
      expect(result.output).toContain('toRespondHttp: http://127.0.0.1:1/health')
      expect(result.output).toContain('ECONNREFUSED')
    })

    test('type-checks the checks and the config', async () => {
      expect(await typecheck(dir)).toBe('')
    })
  })

  describe('in a CommonJS project with Vitest 4.1', () => {
    test('runs the checks and type-checks them', async () => {
      const dir = await consumer('cjs-vitest4')
      const result = await runVitest(dir, ['--project', 'prod'], { env: { API_URL: `${api.url}/health` } })
      expect(result.code, result.output).toBe(0)
      expect(statuses(result.report)).toEqual(PASSING)
      expect(await typecheck(dir)).toBe('')
    }, 300_000)
  })

  describe('with environment and setup file written by hand', () => {
    test('runs the checks', async () => {
      const dir = await consumer('esm-by-hand')
      const result = await runVitest(dir, ['--project', 'prod'], { env: { API_URL: `${api.url}/health` } })
      expect(result.code, result.output).toBe(0)
      expect(statuses(result.report)).toEqual(PASSING)
    }, 300_000)
  })

  describe('in an ESM project with Vitest 5, on Node 22', () => {
    let dir: string
    beforeAll(async () => {
      dir = await consumer('esm-vitest5')
    }, 300_000)

    test('runs the checks, pass and fail, with the matcher message', async () => {
      const passing = await runVitest(dir, ['--project', 'prod'], { env: { API_URL: `${api.url}/health` }, timeoutMs: 180_000, node: 'node@22' })
      expect(passing.code, passing.output).toBe(0)
      expect(statuses(passing.report)).toEqual(PASSING)
      const failing = await runVitest(dir, ['--project', 'prod'], {
        env: { API_URL: `${api.url}/health`, FAIL_URL: 'http://127.0.0.1:1/health' },
        timeoutMs: 180_000,
        node: 'node@22',
      })
      expect(failing.code).toBe(1)
      expect(failing.output).toContain('toRespondHttp: http://127.0.0.1:1/health')
    }, 400_000)

    test('type-checks the checks and the config', async () => {
      expect(await typecheck(dir)).toBe('')
    })

    test('serves the checks on kept worker threads: run after run, no error outside the checks', async () => {
      // serve drives Vitest's worker itself (decisions 0019, 0020): Vitest 5 takes back what a
      // run registers (its onCancel returns the way to), which Vitest 4 does not
      const serve = spawn(
        'npx',
        ['-y', 'node@22', 'node_modules/.bin/prodcheck', 'serve', '--port', '0', '--interval', '200ms', '--diagnostic-interval', '200ms'],
        {
          cwd: dir,
          env: { ...process.env, API_URL: `${api.url}/health`, NO_COLOR: '1' },
          stdio: ['ignore', 'ignore', 'pipe'],
          detached: true,
        },
      )
      let stderr = ''
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`serve did not run 4 smoke runs in 120 s:\n${stderr}`)), 120_000)
          serve.stderr.on('data', (chunk) => {
            stderr += chunk
            if (/smoke run 4: /.test(stderr)) {
              clearTimeout(timer)
              resolve()
            }
          })
          serve.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${stderr}`)))
        })
      } finally {
        const exited = new Promise((resolve) => serve.once('exit', resolve))
        if (serve.pid) process.kill(-serve.pid, 'SIGTERM')
        await exited
      }
      expect(stderr).toMatch(/smoke run 4: \d+ passed, 0 failed/)
      expect(stderr).not.toMatch(/error outside checks|did not stop|run failed/)
    }, 180_000)
  })

  describe('in a CommonJS project with Jest 30', () => {
    let dir: string
    beforeAll(async () => {
      dir = await consumer('cjs-jest30')
    }, 300_000)

    async function jest(env: Record<string, string>): Promise<{
      code: number
      output: string
      report: {
        numPassedTests: number
        testResults: Array<{ assertionResults: Array<{ title: string; status: string; failureMessages: string[] }> }>
      }
    }> {
      const reportFile = join(dir, `report-${Date.now()}.json`)
      let code = 0
      let output = ''
      try {
        const result = await run(process.execPath, [join(dir, 'node_modules/jest/bin/jest.js'), '--json', `--outputFile=${reportFile}`], {
          cwd: dir,
          env: { ...process.env, ...env, NO_COLOR: '1' },
          timeout: 120_000,
        })
        output = result.stdout + result.stderr
      } catch (error) {
        const failed = error as { code: number; stdout: string; stderr: string }
        code = failed.code
        output = failed.stdout + failed.stderr
      }
      return { code, output, report: JSON.parse(readFileSync(reportFile, 'utf8')) }
    }

    test('runs the checks against a local HTTP server and Postgres, and passes', async () => {
      const { code, output, report } = await jest({ API_URL: `${api.url}/health`, DATABASE_URL })
      expect(code, output).toBe(0)
      expect(report.numPassedTests).toBe(6)
    }, 180_000)

    test('fails with the matcher message, and a hanging check at its deadline, not at the test timeout', async () => {
      const { code, report } = await jest({ API_URL: `${api.url}/health`, DATABASE_URL, FAIL_URL: 'http://127.0.0.1:1/health', HANG_URL: silent.url })
      expect(code).toBe(1)
      const results = Object.fromEntries(report.testResults[0]?.assertionResults.map((a) => [a.title, a]) ?? [])
      expect(results['the optional failing check']?.failureMessages.join('\n')).toContain('toRespondHttp: http://127.0.0.1:1/health')
      expect(results['the optional failing check']?.failureMessages.join('\n')).toContain('observed  ECONNREFUSED: connection refused by 127.0.0.1:1')
      expect(results['the optional hanging check']?.failureMessages.join('\n')).toMatch(/no response from 127\.0\.0\.1:\d+ within 3000 ms/)
      expect(results['postgres answers']?.status).toBe('passed')
    }, 180_000)

    test('no secret in what Jest reports: test names, plain assertions', async () => {
      const secrets = { password: 'Jest-Dsn-Pass-71', token: 'Jest-Api-Token-72' }
      const { code, output, report } = await jest({
        API_URL: `${api.url}/health`,
        DATABASE_URL,
        LEAK_DSN: `postgres://app:${secrets.password}@127.0.0.1:1/app`,
        API_TOKEN: secrets.token,
      })
      expect(code).toBe(1)
      const titles = report.testResults[0]?.assertionResults.map((a) => a.title) ?? []
      expect(titles).toContain('db postgres://app:***@127.0.0.1:1/app')
      for (const secret of Object.values(secrets)) {
        expect(output, `the console leaks ${secret}`).not.toContain(secret)
        expect(JSON.stringify(report), `the JSON report leaks ${secret}`).not.toContain(secret)
      }
    }, 180_000)

    test('type-checks the matchers on Jest’s expect', async () => {
      expect(await typecheck(dir)).toBe('')
    })
  })
})
