import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { addProdProject, EXAMPLE } from '../../../src/node/cli/init.ts'
import { prodcheck } from '../../support/cli.ts'
import { type Running, startHttp } from '../../support/servers.ts'

// inside the repository, so that the generated config finds vitest and prodcheck (this package)
const SCRATCH = resolve(import.meta.dirname, '../../.scratch')
const dirs: string[] = []
function project(files: Record<string, string> = {}): string {
  mkdirSync(SCRATCH, { recursive: true })
  const dir = mkdtempSync(join(SCRATCH, 'init-'))
  dirs.push(dir)
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('prodcheck init', () => {
  test('in a project without a config: writes the example and a config, and the checks run', async () => {
    const dir = project()
    const init = await prodcheck(dir, ['init'])
    expect(init.code, init.stderr).toBe(0)
    expect(init.stderr).toBe('prodcheck init: wrote prod-tests/example.test.ts\nprodcheck init: wrote vitest.config.ts with the prod project\n')
    expect(readFileSync(join(dir, 'prod-tests/example.test.ts'), 'utf8')).toBe(EXAMPLE)
    let api: Running | undefined
    try {
      api = await startHttp((_, res) => res.end('ok'))
      const run = await prodcheck(dir, ['run'], { API_URL: `${api.url}/health`, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' })
      expect(run.code, `${run.stdout}${run.stderr}`).toBe(0)
      expect(run.stdout).toMatch(/^smoke +api is up .* pass /m)
      expect(run.stdout).toMatch(/^diagnostic +database answers queries .* pass /m)
    } finally {
      await api?.close()
    }
  })

  test('never overwrites the example without --force', async () => {
    const dir = project()
    mkdirSync(join(dir, 'prod-tests'))
    writeFileSync(join(dir, 'prod-tests/example.test.ts'), '// mine\n')
    const kept = await prodcheck(dir, ['init'])
    expect(kept.stderr).toContain('kept prod-tests/example.test.ts: it exists (--force overwrites it)')
    expect(readFileSync(join(dir, 'prod-tests/example.test.ts'), 'utf8')).toBe('// mine\n')
    await prodcheck(dir, ['init', '--force'])
    expect(readFileSync(join(dir, 'prod-tests/example.test.ts'), 'utf8')).toBe(EXAMPLE)
  })

  test('adds the prod project to an existing config, once', async () => {
    const dir = project({
      'vitest.config.ts':
        "import { defineConfig } from 'vitest/config'\n\nexport default defineConfig({\n  test: {\n    include: ['test/**/*.test.ts'],\n  },\n})\n",
    })
    expect((await prodcheck(dir, ['init'])).code).toBe(0)
    const config = readFileSync(join(dir, 'vitest.config.ts'), 'utf8')
    expect(config).toContain("import { defineConfig } from 'vitest/config'\nimport { defineProdProject } from 'prodcheck/config'\n")
    expect(config).toContain(
      "projects: [{ extends: true, test: { name: 'unit', exclude: ['**/node_modules/**', 'prod-tests/**'] } }, defineProdProject()],",
    )
    const again = await prodcheck(dir, ['init'])
    expect(again.stderr).toContain('kept vitest.config.ts: it already has the prod project')
    expect(readFileSync(join(dir, 'vitest.config.ts'), 'utf8')).toBe(config)
  })

  test('refuses a config it cannot edit safely, with what to add by hand', async () => {
    const dir = project({ 'vitest.config.cjs': "module.exports = require('./shared.cjs')\n" })
    const init = await prodcheck(dir, ['init'])
    expect(init.code).toBe(2)
    expect(init.stderr).toMatch(
      /cannot add the prod project to vitest\.config\.cjs automatically: add `import \{ defineProdProject \} from 'prodcheck\/config'`/,
    )
    expect(existsSync(join(dir, 'prod-tests/example.test.ts'))).toBe(true)
  })
})

describe('addProdProject', () => {
  test('inserts into an existing projects list', () => {
    expect(
      addProdProject("import { defineConfig } from 'vitest/config'\nexport default defineConfig({ test: { projects: ['packages/*'] } })\n"),
    ).toBe(
      "import { defineConfig } from 'vitest/config'\nimport { defineProdProject } from 'prodcheck/config'\nexport default defineConfig({ test: { projects: [defineProdProject(), 'packages/*'] } })\n",
    )
  })

  test('adds a test section to a config without one', () => {
    expect(addProdProject("import { defineConfig } from 'vite'\nexport default defineConfig({ plugins: [] })\n")).toContain(
      'defineConfig({\n  test: { projects: [{ extends: true',
    )
  })

  test('gives up on shapes it does not know', () => {
    expect(addProdProject('export default {}\n')).toBeUndefined()
  })
})
