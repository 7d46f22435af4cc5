/**
 * The benchmarks' workspace: bench/.work, where prodcheck is installed from the build as a
 * user would have it (dist/ under node_modules/prodcheck, loaded natively by Vitest rather
 * than transformed), and where the generated projects live. Its own package.json keeps
 * Node from resolving `prodcheck` to this repository itself.
 */
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
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
