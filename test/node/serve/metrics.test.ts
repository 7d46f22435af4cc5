// The metrics of `prodcheck serve` from hand-built snapshots: every series is read back by
// parsing the exposition (a strict parser below, for both formats), and the texts are fed to
// promtool (Debian's `prometheus` package; .ci/run installs it).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import type { CheckRecord } from '../../../src/core/check-record.ts'
import type { CheckResult } from '../../../src/node/results.ts'
import { createMetrics, MAX_PEER_LABEL_CHARS, type MetricsFormat, metricsFormat } from '../../../src/node/serve/metrics.ts'
import { aRecord, aRefusedRecord, aResult } from '../../support/results.ts'

const PROMTOOL = '/usr/bin/promtool'
const FINISHED = '2026-12-01T00:00:30.000Z'
const WHERE = { tier: 'smoke', file: 'prod-tests/api.test.ts', env: 'prod' }

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

interface Family {
  name: string
  type: string
  help: string
  samples: Sample[]
}

/** The sample names a family of each type may hold, by format (OpenMetrics: a counter's only sample is `<family>_total`). */
const SAMPLE_SUFFIXES: Record<string, Record<MetricsFormat, string[]>> = {
  gauge: { prometheus: [''], openmetrics: [''] },
  counter: { prometheus: [''], openmetrics: ['_total', '_created'] },
  histogram: { prometheus: ['_bucket', '_sum', '_count'], openmetrics: ['_bucket', '_sum', '_count', '_created'] },
}

/**
 * Parses an exposition, failing the test on anything either format forbids: a sample before
 * its family's HELP and TYPE, a sample name its family's type does not allow, a bad label or
 * value; for OpenMetrics also a blank line, a counter family named `_total`, and anything
 * but `# EOF` at the end.
 */
function parseExposition(text: string, format: MetricsFormat): Map<string, Family> {
  const lines = text.split('\n')
  expect(lines.pop(), 'the exposition ends with a line feed').toBe('')
  if (format === 'openmetrics') {
    expect(lines.pop(), 'OpenMetrics ends with # EOF').toBe('# EOF')
    expect(lines, 'OpenMetrics has no blank line and one # EOF').not.toContain('')
    expect(lines).not.toContain('# EOF')
  }
  const families = new Map<string, Family>()
  let current: Family | undefined
  for (const line of lines) {
    if (line === '') continue
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][\w:]*) (.*)$/.exec(line)
    if (meta) {
      const [, kind = '', name = '', rest = ''] = meta
      const family = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] }
      expect(family.samples, `${kind} of ${name} comes before its samples`).toEqual([])
      if (kind === 'HELP') family.help = rest.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
      else family.type = rest
      families.set(name, family)
      current = family
      continue
    }
    expect(line, 'no other comment').not.toMatch(/^#/)
    const sample = parseSample(line)
    expect(current, `${sample.name} comes after its HELP and TYPE`).toBeDefined()
    const family = current as Family
    expect(Object.keys(SAMPLE_SUFFIXES), `type of ${family.name}`).toContain(family.type)
    expect(SAMPLE_SUFFIXES[family.type]?.[format].map((suffix) => family.name + suffix)).toContain(sample.name)
    if (format === 'openmetrics' && family.type === 'counter') expect(family.name).not.toMatch(/_total$/)
    if (format === 'prometheus' && family.type === 'counter') expect(family.name).toMatch(/_total$/)
    family.samples.push(sample)
  }
  return families
}

function parseSample(line: string): Sample {
  const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
  expect(match, `a sample: ${line}`).not.toBeNull()
  const [, name = '', labels = '', raw = ''] = match as RegExpExecArray
  const value = raw === '+Inf' ? Number.POSITIVE_INFINITY : raw === '-Inf' ? Number.NEGATIVE_INFINITY : Number(raw)
  expect(raw === 'NaN' || !Number.isNaN(value), `the value of ${line}`).toBe(true)
  return { name, labels: parseLabels(labels), value }
}

/** `a="x",b="y\"z"`: names checked, values unescaped (`\\`, `\"`, `\n` are the only escapes). */
function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {}
  let i = 0
  while (i < text.length) {
    const name = /^([a-zA-Z_]\w*)="/.exec(text.slice(i))
    expect(name, `a label name at ${text.slice(i)}`).not.toBeNull()
    const key = (name as RegExpExecArray)[1] ?? ''
    i += (name as RegExpExecArray)[0].length
    let value = ''
    for (; text[i] !== '"'; i++) {
      expect(i, `the value of ${key} is closed`).toBeLessThan(text.length)
      if (text[i] === '\\') {
        i++
        expect(['\\', '"', 'n'], `an escape in ${key}`).toContain(text[i])
        value += text[i] === 'n' ? '\n' : text[i]
      } else value += text[i]
    }
    i++
    expect(labels, `${key} once`).not.toHaveProperty(key)
    labels[key] = value
    if (i < text.length) {
      expect(text[i], 'labels separated by commas').toBe(',')
      i++
    }
  }
  return labels
}

/** The samples named `name`, as `{ labels, value }`. */
function series(families: Map<string, Family>, name: string): Array<Omit<Sample, 'name'>> {
  return [...families.values()].flatMap((family) => family.samples.filter((s) => s.name === name).map(({ labels, value }) => ({ labels, value })))
}

/** A check in a snapshot. */
function cached(result: CheckResult): CheckResult & { lastChange: string } {
  return { ...result, lastChange: FINISHED }
}

/** The metrics of one run of these results, in both formats, parsed. */
async function expose(results: CheckResult[]): Promise<Record<MetricsFormat, { text: string; families: Map<string, Family> }>> {
  const metrics = createMetrics({ env: 'prod' }, 30_000)
  metrics.update({
    runs: 1,
    running: false,
    startedAt: '2026-12-01T00:00:29.000Z',
    finishedAt: FINISHED,
    durationMs: 1000,
    checks: results.map(cached),
    errors: [],
  })
  const prometheus = await metrics.text('prometheus')
  const openmetrics = await metrics.text('openmetrics')
  return {
    prometheus: { text: prometheus, families: parseExposition(prometheus, 'prometheus') },
    openmetrics: { text: openmetrics, families: parseExposition(openmetrics, 'openmetrics') },
  }
}

function certificateRecord(facts: CheckRecord['facts'], overrides: Partial<CheckRecord> = {}): CheckRecord {
  return aRecord({
    matcher: 'toHaveValidCertificate',
    target: 'api.internal:443',
    expected: 'a trusted certificate, valid now, for the host',
    summary: 'CN=api.internal valid until 2027-03-01 (90 days left), issued by R3',
    componentType: 'system',
    phases: { connect: 2, tls: 9 },
    facts,
    ...overrides,
  })
}

const FINGERPRINT = 'c3ab8ff13720e8ad9047dd39466b3c8974e592c2fa383d4a3960714caef0c4f2'
const LEAF = {
  notAfter: '2027-03-01T12:00:00.000Z',
  daysLeft: 90,
  earliestNotAfter: '2027-02-01T00:00:00.000Z',
  protocol: 'TLSv1.3',
  subject: 'CN=api.internal,O=Example\\, Inc.',
  issuer: "CN=R3,O=Let's Encrypt,C=US",
  serial: '04a1b2c3',
  fingerprintSha256: FINGERPRINT,
}

async function promtool(args: string[], input = ''): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, args)
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk))
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new Error(`${PROMTOOL} is missing: apt-get install -y prometheus (.ci/run does it)`) : error),
    )
    child.on('close', (code) => resolve({ code: code ?? -1, output }))
    child.stdin.end(input)
  })
}

/** Every kind of series at once: HTTP, certificates, DNS, a budget, a failure, constant labels. */
const EVERYTHING = [
  aResult({
    budgetMs: 300,
    checks: [aRecord({ facts: { httpStatus: 200, httpVersion: '1.1', redirects: 1 }, phases: { connect: 1.5, firstByte: 12, body: 3 } })],
  }),
  aResult({ name: 'tls', key: 'tls', checks: [certificateRecord(LEAF)] }),
  aResult({ name: 'dns', key: 'dns', tier: 'diagnostic', checks: [aRecord({ matcher: 'toResolveDns', facts: { answers: 3 } })] }),
  aResult({
    name: 'grpc',
    key: 'grpc',
    checks: [aRecord({ matcher: 'toBeServingGrpc', facts: { protocol: 'grpc', servingStatus: 'SERVING', grpcStatus: 0 } })],
  }),
  aResult({ name: 'db', key: 'db', checks: [aRefusedRecord()] }),
]

describe('createMetrics: blackbox_exporter-style detail', () => {
  test('HTTP: status code, version, redirects, and the phases by blackbox_exporter names', async () => {
    const record = aRecord({ facts: { httpStatus: 301, httpVersion: '1.1', redirects: 2 }, phases: { connect: 3, tls: 5, firstByte: 12, body: 4 } })
    const exposed = await expose([aResult({ checks: [record] })])
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const { families } = exposed[format]
      const labels = { check: 'api is up', ...WHERE }
      expect(series(families, 'prodcheck_http_status_code'), format).toEqual([{ labels, value: 301 }])
      expect(series(families, 'prodcheck_http_version'), format).toEqual([{ labels, value: 1.1 }])
      expect(series(families, 'prodcheck_http_redirects'), format).toEqual([{ labels, value: 2 }])
      // no resolve phase: the HTTP probe resolves the name inside connect
      expect(series(families, 'prodcheck_http_duration_seconds'), format).toEqual([
        { labels: { ...labels, phase: 'connect' }, value: 0.003 },
        { labels: { ...labels, phase: 'tls' }, value: 0.005 },
        { labels: { ...labels, phase: 'processing' }, value: 0.012 },
        { labels: { ...labels, phase: 'transfer' }, value: 0.004 },
      ])
      expect(families.get('prodcheck_http_status_code')?.type).toBe('gauge')
    }
  })

  test('a test with several HTTP checks: the series come from its first check with a status code', async () => {
    const { prometheus } = await expose([
      aResult({
        checks: [
          aRefusedRecord({ matcher: 'toRespondHttp', facts: { redirects: 0 } }),
          aRecord({ status: 'fail', facts: { httpStatus: 503, httpVersion: '1.0', redirects: 0 }, phases: { connect: 1, firstByte: 2, body: 1 } }),
          aRecord({ facts: { httpStatus: 200, httpVersion: '1.1', redirects: 4 } }),
        ],
      }),
      aResult({ name: 'db', key: 'db', checks: [aRecord({ matcher: 'toConnectToDatabase', facts: { rowCount: 1 } })] }),
    ])
    expect(series(prometheus.families, 'prodcheck_http_status_code').map((s) => [s.labels.check, s.value])).toEqual([['api is up', 503]])
    expect(series(prometheus.families, 'prodcheck_http_version').map((s) => s.value)).toEqual([1])
    expect(series(prometheus.families, 'prodcheck_http_redirects').map((s) => s.value)).toEqual([0])
    expect(series(prometheus.families, 'prodcheck_http_duration_seconds').map((s) => s.labels.phase)).toEqual(['connect', 'processing', 'transfer'])
  })

  test('certificates: the earliest expiry in Unix time, the chain info and TLS version of that certificate', async () => {
    const soon = { ...LEAF, notAfter: '2026-12-20T00:00:00.000Z', protocol: 'TLSv1.2', serial: 'ff', fingerprintSha256: 'a'.repeat(64) }
    delete (soon as Partial<typeof soon>).earliestNotAfter
    const { prometheus, openmetrics } = await expose([
      aResult({ name: 'tls', key: 'tls', checks: [certificateRecord(LEAF)] }),
      aResult({ name: 'two certificates', key: 'two certificates', checks: [certificateRecord(LEAF), certificateRecord(soon)] }),
    ])
    for (const { families } of [prometheus, openmetrics]) {
      expect(series(families, 'prodcheck_ssl_earliest_cert_expiry')).toEqual([
        // the chain's earliest expiry, not the leaf's
        { labels: { check: 'tls', ...WHERE }, value: Date.parse('2027-02-01T00:00:00Z') / 1000 },
        { labels: { check: 'two certificates', ...WHERE }, value: Date.parse('2026-12-20T00:00:00Z') / 1000 },
      ])
      expect(series(families, 'prodcheck_ssl_last_chain_info')).toEqual([
        {
          labels: {
            check: 'tls',
            ...WHERE,
            subject: 'CN=api.internal,O=Example\\, Inc.',
            issuer: "CN=R3,O=Let's Encrypt,C=US",
            serial: '04a1b2c3',
            fingerprint_sha256: FINGERPRINT,
          },
          value: 1,
        },
        { labels: expect.objectContaining({ check: 'two certificates', serial: 'ff', fingerprint_sha256: 'a'.repeat(64) }), value: 1 },
      ])
      expect(series(families, 'prodcheck_tls_version_info')).toEqual([
        { labels: { check: 'tls', ...WHERE, version: 'TLS 1.3' }, value: 1 },
        { labels: { check: 'two certificates', ...WHERE, version: 'TLS 1.2' }, value: 1 },
      ])
    }
  })

  test('label values from a peer are cut, escaped, and checked for their shape', async () => {
    const long = `CN=evil "quoted" \\ back\\nslash ${'x'.repeat(300)}`
    const { prometheus, openmetrics } = await expose([
      aResult({ name: 'odd "name" \\ here', key: 'odd "name" \\ here', checks: [certificateRecord({ ...LEAF, subject: long, serial: 'not hex' })] }),
      aResult({
        name: 'no fingerprint',
        key: 'no fingerprint',
        checks: [certificateRecord({ ...LEAF, fingerprintSha256: 'ZZ', protocol: 'SSLv3' })],
      }),
    ])
    for (const { families, text } of [prometheus, openmetrics]) {
      const [info, ...others] = series(families, 'prodcheck_ssl_last_chain_info')
      expect(others).toEqual([])
      expect(info?.labels.check).toBe('odd "name" \\ here')
      expect(info?.labels.subject).toHaveLength(MAX_PEER_LABEL_CHARS)
      expect(info?.labels.subject).toBe(`${long.slice(0, MAX_PEER_LABEL_CHARS - 1)}…`)
      expect(info?.labels.serial).toBe('')
      expect(text).toContain('subject="CN=evil \\"quoted\\" \\\\ back\\\\nslash x')
      // no chain info without a fingerprint, no TLS version for what is not TLS 1.x; the expiry stays
      expect(series(families, 'prodcheck_ssl_earliest_cert_expiry').map((s) => s.labels.check)).toEqual(['odd "name" \\ here', 'no fingerprint'])
      expect(series(families, 'prodcheck_tls_version_info').map((s) => s.labels.check)).toEqual(['odd "name" \\ here'])
    }
  })

  test('gRPC: the serving status answered, a series for each status as blackbox_exporter has them, and the call status code', async () => {
    const { openmetrics } = await expose([
      aResult({
        name: 'orders',
        key: 'orders',
        checks: [aRecord({ matcher: 'toBeServingGrpc', status: 'fail', facts: { protocol: 'grpc', servingStatus: 'NOT_SERVING', grpcStatus: 0 } })],
      }),
      // no call answered (refused): no gRPC series, as no HTTP series without a response
      aResult({ name: 'gone', key: 'gone', checks: [aRefusedRecord({ matcher: 'toBeServingGrpc', facts: { protocol: 'grpc' } })] }),
    ])
    expect(series(openmetrics.families, 'prodcheck_grpc_healthcheck_response')).toEqual(
      ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'].map((status) => ({
        labels: { check: 'orders', ...WHERE, serving_status: status },
        value: status === 'NOT_SERVING' ? 1 : 0,
      })),
    )
    expect(series(openmetrics.families, 'prodcheck_grpc_status_code')).toEqual([{ labels: { check: 'orders', ...WHERE }, value: 0 }])
  })

  test('DNS: the answers of the first DNS check', async () => {
    const { openmetrics } = await expose([
      aResult({
        name: 'dns',
        key: 'dns',
        checks: [aRecord({ matcher: 'toResolveDns', facts: { answers: 0 } }), aRecord({ matcher: 'toResolveDns', facts: { answers: 4 } })],
      }),
    ])
    expect(series(openmetrics.families, 'prodcheck_dns_answer_rrs')).toEqual([{ labels: { check: 'dns', ...WHERE }, value: 0 }])
  })

  test('a fact that is not a finite number or a string leaves its series out', async () => {
    const { prometheus } = await expose([
      aResult({
        checks: [
          aRecord({ facts: { httpStatus: Number.NaN, httpVersion: 'HTTP/9' as string, redirects: '2' as unknown as number } }),
          aRecord({ facts: { httpStatus: 204, httpVersion: 'HTTP/9', redirects: '2' as unknown as number } }),
        ],
      }),
    ])
    expect(series(prometheus.families, 'prodcheck_http_status_code').map((s) => s.value)).toEqual([204])
    expect(series(prometheus.families, 'prodcheck_http_version')).toEqual([])
    expect(series(prometheus.families, 'prodcheck_http_redirects')).toEqual([])
  })

  test('the series of a test, or of a fact, are gone from the next run on', async () => {
    const metrics = createMetrics()
    const run = (checks: CheckResult[]): void =>
      metrics.update({ runs: 1, running: false, finishedAt: FINISHED, durationMs: 1, checks: checks.map(cached), errors: [] })
    run([aResult({ checks: [certificateRecord(LEAF)] }), aResult({ name: 'other', key: 'other' })])
    run([aResult({ checks: [aRefusedRecord()] })])
    const families = parseExposition(await metrics.text(), 'prometheus')
    for (const name of [
      'prodcheck_ssl_earliest_cert_expiry',
      'prodcheck_ssl_last_chain_info',
      'prodcheck_tls_version_info',
      'prodcheck_http_status_code',
    ]) {
      expect(series(families, name), name).toEqual([])
    }
    expect(series(families, 'prodcheck_check_up')).toEqual([
      { labels: { check: 'api is up', tier: 'smoke', file: 'prod-tests/api.test.ts' }, value: 0 },
    ])
  })
})

describe('createMetrics: the two formats', () => {
  test('carry the same samples; OpenMetrics names a counter family without _total, ends with # EOF', async () => {
    const { prometheus, openmetrics } = await expose(EVERYTHING)
    const all = (families: Map<string, Family>): Sample[] => [...families.values()].flatMap((family) => family.samples)
    expect(all(openmetrics.families)).toEqual(all(prometheus.families))
    expect(all(prometheus.families).length).toBeGreaterThan(40)
    expect(prometheus.families.get('prodcheck_runs_total')?.type).toBe('counter')
    expect(openmetrics.families.get('prodcheck_runs')).toMatchObject({ type: 'counter', samples: [{ name: 'prodcheck_runs_total', value: 1 }] })
    expect(openmetrics.families.has('prodcheck_runs_total')).toBe(false)
    // rendering one format leaves the other as it was (prom-client renames counters in place)
    const metrics = createMetrics()
    await metrics.text('openmetrics')
    expect(await metrics.text('prometheus')).toContain('\nprodcheck_runs_total 0\n')
    expect(await metrics.text('openmetrics')).toMatch(/^# TYPE prodcheck_runs counter\nprodcheck_runs_total 0$/m)
  })

  test('promtool check metrics passes the Prometheus text', async () => {
    const { prometheus } = await expose(EVERYTHING)
    expect(await promtool(['check', 'metrics'], prometheus.text)).toEqual({ code: 0, output: '' })
    // and it can fail: a counter without _total
    expect(await promtool(['check', 'metrics'], prometheus.text.replaceAll('prodcheck_runs_total', 'prodcheck_runs'))).toEqual({
      code: 3,
      output: 'prodcheck_runs counter metrics should have "_total" suffix\n',
    })
  })

  test("OpenMetrics: Prometheus's own OpenMetrics parser reads it; promtool check metrics, which reads Prometheus text only, finds nothing but the counter naming", async () => {
    const { openmetrics } = await expose(EVERYTHING)
    const dir = mkdtempSync(join(tmpdir(), 'prodcheck-openmetrics-'))
    try {
      // the importer wants a timestamp on every sample; nothing else is changed
      const stamped = openmetrics.text.replace(/^([^#\n].*)$/gm, '$1 1800000000')
      writeFileSync(join(dir, 'metrics.om'), stamped)
      const read = await promtool(['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', join(dir, 'metrics.om'), join(dir, 'blocks')])
      expect(read).toEqual({ code: 0, output: '' })
      writeFileSync(join(dir, 'no-eof.om'), stamped.replace('# EOF\n', ''))
      const noEof = await promtool(['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', join(dir, 'no-eof.om'), join(dir, 'blocks-2')])
      expect(noEof.code).toBe(1)
      expect(noEof.output).toContain('data does not end with # EOF')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    // promtool's linter takes `# EOF` for a comment, and the `_total` sample of an OpenMetrics
    // counter (family `prodcheck_runs`) for a family of its own, without HELP
    expect(await promtool(['check', 'metrics'], openmetrics.text)).toEqual({ code: 3, output: 'prodcheck_runs_total no help text\n' })
  })
})

describe('metricsFormat: content negotiation', () => {
  test.each([
    // Prometheus 2.x; 3.x; 3.x with native histograms (protobuf first, which we do not offer)
    [
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      'openmetrics',
    ],
    [
      'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5,application/openmetrics-text;version=1.0.0;q=0.4,application/openmetrics-text;version=0.0.1;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1',
      'openmetrics',
    ],
    ['application/openmetrics-text', 'openmetrics'],
    [
      'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1',
      'openmetrics',
    ],
    ['Application/OpenMetrics-Text; version="1.0.0"; charset=utf-8', 'openmetrics'],
    ['text/plain, application/openmetrics-text', 'openmetrics'],
    [undefined, 'prometheus'],
    ['', 'prometheus'],
    ['*/*', 'prometheus'],
    ['text/plain;version=0.0.4', 'prometheus'],
    ['text/plain;q=1, application/openmetrics-text;q=0.5', 'prometheus'],
    ['application/openmetrics-text;q=0', 'prometheus'],
    ['application/openmetrics-text;q=abc', 'prometheus'],
    // an older OpenMetrics only: we serve 1.0.0
    ['application/openmetrics-text;version=0.0.1,text/plain;version=0.0.4;q=0.5', 'prometheus'],
    [`${'text/html,'.repeat(40)}application/openmetrics-text`, 'prometheus'],
  ] as const)('%s → %s', (accept, format) => {
    expect(metricsFormat(accept)).toBe(format)
  })
})

describe('the latency histogram', () => {
  test('counts each result once, though merged snapshots show it again until its tier runs anew', async () => {
    const metrics = createMetrics()
    const first = cached(aResult({ name: 'api', time: '2026-12-05T00:00:01.000Z' }))
    const snapshot = (check: CheckResult) => ({ runs: 1, running: false, checks: [cached(check)], errors: [] })
    metrics.update(snapshot(first))
    // the other tier ran: the same result again
    metrics.update(snapshot(first))
    const count = async (): Promise<string | undefined> =>
      /^prodcheck_check_duration_seconds_count\{check="api",[^}]*\} (\d+)$/m.exec(await metrics.text('prometheus'))?.[1]
    expect(await count()).toBe('1')
    metrics.update(snapshot({ ...first, time: '2026-12-05T00:00:02.000Z' }))
    expect(await count()).toBe('2')
  })
})
