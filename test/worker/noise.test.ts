import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, test } from 'vitest'
import { isDriverNoise } from '../../src/worker/noise.ts'
import { CLI } from '../support/cli.ts'
import { runVitest } from '../support/vitest-run.ts'

const NOISE = resolve(import.meta.dirname, '../fixtures/projects/noise')
const stack = (...frames: string[]): Error => Object.assign(new Error('x'), { stack: ['Error: x', ...frames.map((f) => `    at ${f}`)].join('\n') })

describe('isDriverNoise', () => {
  test('recognises errors thrown from driver frames only', () => {
    expect(
      isDriverNoise(stack('DataHandler.shiftCommand (/app/node_modules/ioredis/built/DataHandler.js:183:45)', 'Socket.emit (node:events:524:28)')),
    ).toBe(true)
    expect(isDriverNoise(stack('Parser.parse (/app/node_modules/pg-protocol/dist/parser.js:1:1)'))).toBe(true)
  })

  test('leaves alone errors with a frame of the application, or none at all', () => {
    expect(isDriverNoise(stack('check (/app/prod-tests/db.test.ts:3:9)', 'Client.query (/app/node_modules/pg/lib/client.js:1:1)'))).toBe(false)
    expect(isDriverNoise(stack('Object.<anonymous> (/app/src/index.js:1:1)'))).toBe(false)
    expect(isDriverNoise(new Error('no stack frames'))).toBe(false)
    expect(isDriverNoise('a string')).toBe(false)
  })
})

describe('the prodcheck environment and driver noise', () => {
  test('absorbs what drivers throw on their own, and still reports real bugs', async () => {
    const quiet = await runVitest(NOISE, ['--project', 'prod'])
    expect(quiet.code, quiet.output).toBe(0)
    expect(quiet.output).not.toMatch(/Unhandled/)
    const loud = await runVitest(NOISE, ['--project', 'prod'], { env: { REAL_BUG: '1' } })
    expect(loud.code).toBe(1)
    expect(loud.output).toMatch(/Unhandled/)
    expect(loud.output).toContain('a real bug in a check file')
  })
})

// absorbDriverNoise rests on this (docs/decisions/0013): if an upgrade of Vitest changes it, this fails first
describe('Vitest’s worker, as noise.ts relies on it', () => {
  const LISTENERS = resolve(import.meta.dirname, '../fixtures/projects/listeners')

  test('reports an uncaught error when its listener is the only one', async () => {
    const run = await runVitest(LISTENERS, [])
    expect(run.code).toBe(1)
    expect(run.output).toMatch(/Unhandled/)
    expect(run.output).toContain('thrown from a timer')
  })

  test('leaves it to another listener when there is one', async () => {
    const run = await runVitest(LISTENERS, [], { env: { OTHER_LISTENER: '1' } })
    expect(run.code, run.output).toBe(0)
    expect(run.output).not.toMatch(/Unhandled/)
  })
})

describe('absorbDriverNoise in a process with no other handler', () => {
  // the built module (npm test builds first), in a plain Node process: no runner listening
  const noise = pathToFileURL(resolve(CLI, '../../../worker/noise.js')).href
  const run = (thrown: string) =>
    spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { absorbDriverNoise } from '${noise}'\nabsorbDriverNoise()\nsetTimeout(() => { throw ${thrown} })\nsetTimeout(() => console.log('still running'), 50)`,
      ],
      { encoding: 'utf8' },
    )

  test('drops driver noise and keeps running', () => {
    const result = run(
      `Object.assign(new Error('parser'), { stack: 'Error: parser\\n    at DataHandler.x (/app/node_modules/ioredis/built/DataHandler.js:1:1)' })`,
    )
    expect(result.stdout).toBe('still running\n')
    expect(result.status).toBe(0)
  })

  test('lets any other error crash the process as Node would, never silences it', () => {
    const result = run(`new Error('a real bug')`)
    expect(result.status).toBe(1)
    expect(result.stderr).toContain('Error: a real bug')
    expect(result.stdout).toBe('')
  })
})
