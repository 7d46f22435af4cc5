import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'

const TSC = resolve(import.meta.dirname, '../../node_modules/typescript/bin/tsc')

async function tsc(project: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [TSC, '-p', resolve(import.meta.dirname, project)])
    return { code: 0, output: stdout }
  } catch (error) {
    const { code, stdout } = error as { code: number; stdout: string }
    return { code, output: stdout }
  }
}

describe('the matcher types for Vitest', () => {
  test('come with the setup file: valid checks compile, wrong options do not', async () => {
    const { code, output } = await tsc('tsconfig.setup.json')
    expect(output).toBe('')
    expect(code).toBe(0)
  })

  test('come with prodcheck/config, imported by vitest.config.ts', async () => {
    const { code, output } = await tsc('tsconfig.config.json')
    expect(output).toBe('')
    expect(code).toBe(0)
  })

  test('are what makes the checks compile (without them, the matchers are unknown)', async () => {
    const { code, output } = await tsc('tsconfig.none.json')
    expect(code).not.toBe(0)
    expect(output).toMatch(/Property 'toRespondHttp' does not exist/)
  })
})

describe('the check records', () => {
  test('are typed on Vitest’s TaskMeta: a reporter reads status, latency, error, facts without a cast', async () => {
    const { code, output } = await tsc('tsconfig.meta.json')
    expect(output).toBe('')
    expect(code).toBe(0)
  })
})
