/**
 * The benchmarks' workspace: bench/.work, where prodcheck is installed from the build as a
 * user would have it (dist/ under node_modules/prodcheck, loaded natively by Vitest rather
 * than transformed), and where the generated projects live. Its own package.json keeps
 * Node from resolving `prodcheck` to this repository itself.
 */
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '..')
export const WORK = join(ROOT, 'bench/.work')

/** Copies the current build into bench/.work/node_modules/prodcheck (run `npm run build` first). */
export function installBuild(): void {
  if (!existsSync(join(ROOT, 'dist/src/index.js'))) throw new Error('no build: run `npm run build` first')
  const target = join(WORK, 'node_modules/prodcheck')
  rmSync(target, { recursive: true, force: true })
  mkdirSync(target, { recursive: true })
  cpSync(join(ROOT, 'dist'), join(target, 'dist'), { recursive: true })
  cpSync(join(ROOT, 'package.json'), join(target, 'package.json'))
  writeFileSync(join(WORK, 'package.json'), `${JSON.stringify({ name: 'prodcheck-bench', private: true, type: 'module' })}\n`)
}

/** The built CLI, as installed in the workspace. */
export const CLI = join(WORK, 'node_modules/prodcheck/dist/src/node/cli/main.js')

/**
 * A project for `prodcheck serve` in bench/.work/<name>: one smoke and one diagnostic check of
 * `API_URL`. Returns its folder.
 *
 * @example
 * const dir = writeServeProject('soak')
 */
export function writeServeProject(name: string): string {
  const dir = emptyProject(name)
  writeFileSync(
    join(dir, 'prod-tests/api.test.ts'),
    `import { expect, test } from 'vitest'\ntest('api is up', { tags: ['smoke'] }, async () => { await expect(process.env.API_URL).toRespondHttp() })\ntest('api answers JSON', { tags: ['diagnostic'] }, async () => { await expect(process.env.API_URL).toRespondHttp({ json: { status: 'ok' } }) })\n`,
  )
  return dir
}

/**
 * An empty project in bench/.work/<name>, with the prod project as the README configures it
 * and no check file yet. Returns its folder.
 *
 * @example
 * const dir = emptyProject('cost-http')
 */
export function emptyProject(name: string): string {
  const dir = join(WORK, name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'prod-tests'), { recursive: true })
  writeFileSync(
    join(dir, 'vitest.config.ts'),
    `import { defineConfig } from 'vitest/config'\nimport { defineProdProject } from 'prodcheck/config'\nexport default defineConfig({ test: { projects: [defineProdProject()] } })\n`,
  )
  return dir
}

/**
 * A local API answering `{"status":"ok"}` to everything, and its URL.
 *
 * @example
 * const { url, server } = await startApi()
 */
export async function startApi(): Promise<{ server: Server; url: string }> {
  const server = createServer((_, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'))
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }
}
