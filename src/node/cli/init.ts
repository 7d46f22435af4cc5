/**
 * `prodcheck init`: writes `prod-tests/example.test.ts` (a smoke HTTP check, a diagnostic
 * database check) and adds the prod project to the existing `vitest.config.*`, or creates
 * one. Never overwrites a file without `--force`.
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { findConfigFile, VITEST_CONFIG_NAMES } from '../config-file.ts'
import { parseFlags } from './args.ts'
import { UsageError } from './usage-error.ts'

export const INIT_HELP = `Usage: prodcheck init [options]

Writes prod-tests/example.test.ts and adds the prod project to vitest.config.* (or creates it).

Options:
  --dir <path>   the project to set up (default: the working directory)
  --force        overwrite prod-tests/example.test.ts if it exists
  -h, --help     this help`

const IMPORT = "import { defineProdProject } from 'prodcheck/config'"
// the existing tests keep running as the "unit" project, without the checks
const UNIT_PROJECT = "{ extends: true, test: { name: 'unit', exclude: ['**/node_modules/**', 'prod-tests/**'] } }"

export const EXAMPLE = `// Production checks: run them with \`npx vitest run --project prod\` or \`npx prodcheck run\`.
// Targets come from the environment of each deployment; the defaults are for a local run.
import { expect, test } from 'vitest'

test('api is up', { tags: ['smoke'] }, async () => {
  await expect(process.env.API_URL ?? 'http://127.0.0.1:3000/health').toRespondHttp({ status: 200, maxLatencyMs: 500 })
})

test('database answers queries', { tags: ['diagnostic'] }, async () => {
  expect(process.env).toHaveEnv(['DATABASE_URL'])
  await expect(process.env.DATABASE_URL).toConnectToDatabase({ query: 'select 1' })
})
`

export const NEW_CONFIG = `import { defineConfig } from 'vitest/config'
${IMPORT}

export default defineConfig({
  test: {
    projects: [${UNIT_PROJECT}, defineProdProject()],
  },
})
`

/**
 * Runs `prodcheck init`; returns the exit code.
 *
 * @example
 * await initCommand(['--dir', 'services/api'])
 */
export async function initCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { dir: { type: 'string' }, force: { type: 'boolean' } }, 'init')
  if (values.help) {
    process.stdout.write(`${INIT_HELP}\n`)
    return 0
  }
  if (positionals.length > 0)
    throw new UsageError(`prodcheck init takes no arguments, got ${positionals.map((p) => JSON.stringify(p)).join(' ')} (use --dir)`)
  const dir = String(values.dir ?? process.cwd())
  if (!existsSync(dir)) throw new UsageError(`--dir ${JSON.stringify(dir)} does not exist`)

  const example = join(dir, 'prod-tests', 'example.test.ts')
  if (existsSync(example) && !values.force) {
    say(`kept ${relative(dir, example)}: it exists (--force overwrites it)`)
  } else {
    mkdirSync(join(dir, 'prod-tests'), { recursive: true })
    writeFileSync(example, EXAMPLE)
    say(`wrote ${relative(dir, example)}`)
  }

  const found = findConfigFile(dir, { names: VITEST_CONFIG_NAMES })
  if (!found) {
    writeFileSync(join(dir, 'vitest.config.ts'), NEW_CONFIG)
    say('wrote vitest.config.ts with the prod project')
    return 0
  }
  const path = found
  const name = relative(dir, found)
  const source = readFileSync(path, 'utf8')
  if (source.includes('defineProdProject')) {
    say(`kept ${name}: it already has the prod project`)
    return 0
  }
  const updated = addProdProject(source)
  if (!updated) {
    throw new UsageError(
      `cannot add the prod project to ${name} automatically: add \`${IMPORT}\` and put defineProdProject() in test.projects (see the README)`,
    )
  }
  writeFileSync(path, updated)
  say(`added the prod project to ${name}${source.includes('projects:') ? ' (make sure your other projects exclude prod-tests/**)' : ''}`)
  return 0
}

/**
 * The config source with the prod project added, or undefined when its shape is not one
 * we can edit safely (no `defineConfig({`, or a CommonJS config).
 *
 * @example
 * addProdProject("import { defineConfig } from 'vitest/config'\nexport default defineConfig({})\n")
 */
export function addProdProject(source: string): string | undefined {
  if (/\brequire\(/.test(source) || !/defineConfig\(\s*\{/.test(source)) return undefined
  let out: string
  if (/\bprojects\s*:\s*\[/.test(source)) out = source.replace(/\bprojects\s*:\s*\[/, (m) => `${m}defineProdProject(), `)
  else if (/\btest\s*:\s*\{/.test(source))
    out = source.replace(/\btest\s*:\s*\{/, (m) => `${m}\n    projects: [${UNIT_PROJECT}, defineProdProject()],`)
  else out = source.replace(/defineConfig\(\s*\{/, (m) => `${m}\n  test: { projects: [${UNIT_PROJECT}, defineProdProject()] },`)
  const imports = [...out.matchAll(/^import .*$/gm)]
  const last = imports.at(-1)
  if (!last || last.index === undefined) return `${IMPORT}\n${out}`
  const end = last.index + last[0].length
  return `${out.slice(0, end)}\n${IMPORT}${out.slice(end)}`
}

function say(line: string): void {
  process.stderr.write(`prodcheck init: ${line}\n`)
}
