/**
 * Where Vitest finds its configuration: the file names it tries, in its own order
 * (`vitest.config.*` before `vite.config.*`), in a project's root and then each folder above
 * it, as Vitest does. Runner side.
 *
 * @module
 */
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

const EXTENSIONS = ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs'] as const

/** The names of a Vitest config file, in the order Vitest tries them. */
export const VITEST_CONFIG_NAMES: readonly string[] = EXTENSIONS.map((ext) => `vitest.config.${ext}`)

/** Every config name Vitest reads: its own, then Vite's. */
const CONFIG_NAMES: readonly string[] = [...VITEST_CONFIG_NAMES, ...EXTENSIONS.map((ext) => `vite.config.${ext}`)]

/**
 * The path of the config file of `dir`, among `names`, or undefined when there is none.
 * With `up`, the folders above are searched too, as Vitest does.
 *
 * @example
 * findConfigFile(process.cwd(), { up: true }) // '/srv/api/vitest.config.ts'
 */
export function findConfigFile(
  dir: string,
  { names = CONFIG_NAMES, up = false }: { names?: readonly string[]; up?: boolean } = {},
): string | undefined {
  for (let current = resolve(dir), previous = ''; current !== previous; previous = current, current = dirname(current)) {
    const found = names.find((name) => existsSync(join(current, name)))
    if (found) return join(current, found)
    if (!up) return undefined
  }
  return undefined
}
