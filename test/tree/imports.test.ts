// What each side of the tree may import (CONTRIBUTING.md): the node side (the runner
// process: config, session, results, reporters, cli, serve) never reaches a probe, a driver
// or the worker side; the worker side never reaches the node side. Read from the sources'
// runtime imports (static and dynamic), followed transitively; type-only imports are erased
// at build time and do not count.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, test } from 'vitest'
import { DRIVER_PACKAGES } from '../../src/core/drivers.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const DRIVERS = DRIVER_PACKAGES

/** The runtime imports of a source file: relative files (resolved) and packages. */
function runtimeImports(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  const specifiers: string[] = []
  for (const match of code.matchAll(/^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm))
    if (!match[2]) specifiers.push(match[3] as string)
  for (const match of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(match[1] as string)
  return specifiers
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string)
}

/** Every file and package a file reaches through runtime imports, with the chain that reaches it. */
function reach(start: string): Map<string, string[]> {
  const seen = new Map<string, string[]>([[start, [start]]])
  const queue = [start]
  while (queue.length > 0) {
    const file = queue.shift() as string
    for (const specifier of runtimeImports(readFileSync(join(ROOT, file), 'utf8'))) {
      const chain = [...(seen.get(file) ?? []), specifier]
      if (!specifier.startsWith('.')) {
        const name = `package:${packageOf(specifier)}`
        if (!seen.has(name)) seen.set(name, chain)
        continue
      }
      const target = relative(ROOT, resolve(ROOT, dirname(file), specifier))
      if (!existsSync(join(ROOT, target)) || seen.has(target)) continue
      seen.set(target, [...(seen.get(file) ?? []), target])
      queue.push(target)
    }
  }
  return seen
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f))
}

describe('the import graph', () => {
  test('reads static, dynamic and re-exporting imports, and leaves type-only ones out', () => {
    const source = [
      "import { a } from './a.ts'",
      "import type { B } from './b.ts'",
      "export { c } from './c.ts'",
      "export type { D } from './d.ts'",
      "import './e.ts'",
      "const pg = once(() => import('pg'))",
      "// import { f } from './f.ts'",
    ].join('\n')
    expect(runtimeImports(source)).toEqual(['./a.ts', './c.ts', './e.ts', 'pg'])
  })

  test.each(filesUnder('src/node'))('the node side never reaches a probe, a driver or the worker side: %s', (file) => {
    const forbidden = [...reach(file)].filter(
      ([name]) =>
        name.startsWith('src/probes/') ||
        name.startsWith('src/worker/') ||
        name.startsWith('matchers/') ||
        DRIVERS.some((d) => name === `package:${d}`),
    )
    expect(forbidden.map(([, chain]) => chain.join(' → '))).toEqual([])
  })

  test.each(filesUnder('src/worker'))('the worker side never reaches the node side: %s', (file) => {
    const forbidden = [...reach(file)].filter(([name]) => name.startsWith('src/node/'))
    expect(forbidden.map(([, chain]) => chain.join(' → '))).toEqual([])
  })

  test.each(filesUnder('src/core'))('the core reaches no probe, driver, worker or node code: %s', (file) => {
    const forbidden = [...reach(file)].filter(
      ([name]) => /^src\/(probes|worker|node)\//.test(name) || name.startsWith('matchers/') || DRIVERS.some((d) => name === `package:${d}`),
    )
    expect(forbidden.map(([, chain]) => chain.join(' → '))).toEqual([])
  })

  test('the rule can fail: the worker side does reach a probe and a driver', () => {
    const reached = reach('src/worker/vitest.ts')
    expect(reached.has('package:undici')).toBe(true)
    expect([...reached.keys()].some((name) => name.startsWith('src/probes/'))).toBe(true)
  })
})
