// deploy/prometheus: the scrape config and alert rules pass promtool (the Debian package
// `prometheus` ships it; .ci/run installs it), the rules' unit tests pass, and the rules only
// use metrics that `prodcheck serve` exports.
import { execFile } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'
import { createMetrics } from '../../src/node/serve/metrics.ts'

const DIR = resolve(import.meta.dirname, '../../deploy/prometheus')
const PROMTOOL = '/usr/bin/promtool'

async function promtool(cwd: string, ...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(PROMTOOL, args, { cwd })
    return { code: 0, output: stdout + stderr }
  } catch (error) {
    const failure = error as { code?: number | string; stdout?: string; stderr?: string }
    if (failure.code === 'ENOENT') throw new Error(`${PROMTOOL} is missing: apt-get install -y prometheus (.ci/run does it)`)
    return { code: Number(failure.code), output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` }
  }
}

test('the scrape config is valid Prometheus configuration', async () => {
  const check = await promtool(DIR, 'check', 'config', '--syntax-only', 'prometheus.yml')
  expect(check.output).toContain('SUCCESS')
  expect(check.code).toBe(0)
})

test('the alert rules are valid, and their unit tests pass', async () => {
  const rules = await promtool(DIR, 'check', 'rules', 'alerts.yml')
  expect(rules.output).toContain('SUCCESS: 6 rules found')
  const tests = await promtool(DIR, 'test', 'rules', 'alerts.test.yml')
  expect(tests.output).toContain('SUCCESS')
  expect(tests.code).toBe(0)
})

test('the rule tests catch a weakened rule (a smoke alert that waits 5 minutes)', async () => {
  const copy = mkdtempSync(join(tmpdir(), 'prodcheck-rules-'))
  try {
    copyFileSync(join(DIR, 'alerts.test.yml'), join(copy, 'alerts.test.yml'))
    const rules = readFileSync(join(DIR, 'alerts.yml'), 'utf8')
    const weakened = rules.replace(/(alert: ProdcheckSmokeCheckFailing[\s\S]*?for: )2m/, '$15m')
    expect(weakened).not.toBe(rules)
    writeFileSync(join(copy, 'alerts.yml'), weakened)
    const tests = await promtool(copy, 'test', 'rules', 'alerts.test.yml')
    expect(tests.code).toBe(1)
    expect(tests.output).toMatch(/FAILED[\s\S]*ProdcheckSmokeCheckFailing/)
  } finally {
    rmSync(copy, { recursive: true, force: true })
  }
})

test('every prodcheck metric the rules and their tests use is one prodcheck serve exports', async () => {
  const exported = new Set<string>()
  for (const metric of await createMetrics({}, 30_000).registry.getMetricsAsJSON()) {
    exported.add(metric.name)
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(metric.name + suffix)
  }
  for (const file of ['alerts.yml', 'alerts.test.yml']) {
    const used = new Set(readFileSync(join(DIR, file), 'utf8').match(/\bprodcheck_[a-z_]+/g))
    expect(used.size).toBeGreaterThan(3)
    for (const name of used) expect(exported, `${file} uses ${name}`).toContain(name)
  }
})
