// deploy/kubernetes: the manifests validate against the Kubernetes OpenAPI schemas
// (kubernetes-models, offline), carry what the examples promise (readiness on /health, the
// token from a Secret, a CronJob gate), and give prodcheck only options it has.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { Deployment } from 'kubernetes-models/apps/v1/Deployment'
import { CronJob } from 'kubernetes-models/batch/v1/CronJob'
import { Secret } from 'kubernetes-models/v1/Secret'
import { describe, expect, test } from 'vitest'
import { parse } from 'yaml'
import { prodcheck } from '../support/cli.ts'

const DIR = resolve(import.meta.dirname, '../../deploy/kubernetes')
const load = (file: string) => parse(readFileSync(resolve(DIR, file), 'utf8'))

interface Container {
  name: string
  command?: string[]
  args?: string[]
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>
  ports?: Array<{ name?: string; containerPort: number }>
  readinessProbe?: { httpGet?: { path: string; port: string | number } }
}

/** The `--options` of a container's prodcheck command, checked against that command's --help. */
async function expectKnownOptions(container: Container): Promise<void> {
  const [, , command] = container.command ?? []
  expect(container.command?.slice(0, 2)).toEqual(['npx', 'prodcheck'])
  const help = await prodcheck(process.cwd(), [command as string, '--help'])
  expect(help.code).toBe(0)
  const options = (container.args ?? []).filter((arg) => arg.startsWith('--'))
  expect(options.length).toBeGreaterThan(0)
  for (const option of options) expect(help.stdout, `prodcheck ${command} has no ${option}`).toContain(`  ${option} `)
}

describe('sidecar.yaml', () => {
  const manifest = load('sidecar.yaml')
  const containers = manifest.spec.template.spec.containers as Container[]
  const sidecar = containers.find((container) => container.name === 'prodcheck') as Container

  test('is a valid apps/v1 Deployment', () => {
    expect(() => new Deployment(manifest).validate()).not.toThrow()
  })

  test('runs prodcheck serve next to the app, ready only while /health passes', async () => {
    expect(containers.map((container) => container.name)).toEqual(['api', 'prodcheck'])
    expect(sidecar.command).toEqual(['npx', 'prodcheck', 'serve'])
    expect(sidecar.args).toEqual(expect.arrayContaining(['--host', '0.0.0.0', '--label']))
    const port = sidecar.ports?.find((entry) => entry.name === sidecar.readinessProbe?.httpGet?.port)
    expect(port?.containerPort).toBe(1515)
    expect(sidecar.args?.[sidecar.args.indexOf('--port') + 1]).toBe(String(port?.containerPort))
    expect(sidecar.readinessProbe?.httpGet?.path).toBe('/health')
    await expectKnownOptions(sidecar)
  })

  test('takes the token from the Secret, never from a literal', () => {
    const token = sidecar.env?.find((entry) => entry.name === 'PRODCHECK_TOKEN')
    expect(token).toEqual({ name: 'PRODCHECK_TOKEN', valueFrom: { secretKeyRef: { name: 'prodcheck-token', key: 'token' } } })
    expect(sidecar.args).not.toContain('--token')
  })
})

describe('secret.yaml', () => {
  test('is a valid v1 Secret holding the token the sidecar reads', () => {
    const manifest = load('secret.yaml')
    expect(() => new Secret(manifest).validate()).not.toThrow()
    expect(manifest.metadata.name).toBe('prodcheck-token')
    expect(Object.keys(manifest.stringData)).toEqual(['token'])
  })
})

describe('cronjob.yaml', () => {
  const manifest = load('cronjob.yaml')
  const job = manifest.spec.jobTemplate.spec
  const container = job.template.spec.containers[0] as Container

  test('is a valid batch/v1 CronJob', () => {
    expect(() => new CronJob(manifest).validate()).not.toThrow()
  })

  test('runs prodcheck run --format json once per job, as a gate that fails the job', async () => {
    expect(container.command).toEqual(['npx', 'prodcheck', 'run'])
    expect(container.args?.slice(0, 2)).toEqual(['--format', 'json'])
    expect(job.backoffLimit).toBe(0)
    expect(job.template.spec.restartPolicy).toBe('Never')
    expect(manifest.spec.concurrencyPolicy).toBe('Forbid')
    // the job's own deadline is above prodcheck's --wait: prodcheck reports before Kubernetes kills it
    const wait = container.args?.[container.args.indexOf('--wait') + 1]
    expect(wait).toBe('2m')
    expect(job.activeDeadlineSeconds).toBeGreaterThan(120)
    await expectKnownOptions(container)
  })

  test('reads the database URL from a Secret', () => {
    expect(container.env?.find((entry) => entry.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({ name: 'shop-api-database', key: 'url' })
  })
})
