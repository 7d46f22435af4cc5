// Memory and handles: a peer that sends without end costs a probe its byte budget, never the
// memory of the process (each probe runs in a child process of its own, whose peak RSS is
// measured), and at its verdict, deadline or not, the probe has closed every socket and timer:
// the child, never told to exit, ends by itself at once — against a peer that floods and
// against one that stalls.
import { afterAll, describe, expect, test } from 'vitest'
import { FLOODS } from '../support/floods.ts'
import { probeInChild } from '../support/probe-child.ts'
import { type Running, startSilent, startTcp } from '../support/servers.ts'
import { LIMIT_MS, record, TIMEOUT_MS, writeRows } from './record.ts'

afterAll(() => writeRows(import.meta.filename))

/** How each protocol is checked: the probe of the package and its target. */
const PROBES: Record<string, { probe: string; target: (port: number) => string; options?: object }> = {
  postgres: { probe: 'probeDatabase', target: (p) => `postgres://app:Flood-Pass-1@127.0.0.1:${p}/app` },
  mysql: { probe: 'probeDatabase', target: (p) => `mysql://app:Flood-Pass-1@127.0.0.1:${p}/app` },
  redis: { probe: 'probeDatabase', target: (p) => `redis://:Flood-Pass-1@127.0.0.1:${p}` },
  amqp: { probe: 'probeBroker', target: (p) => `amqp://app:Flood-Pass-1@127.0.0.1:${p}` },
  mqtt: { probe: 'probeBroker', target: (p) => `mqtt://app:Flood-Pass-1@127.0.0.1:${p}` },
  nats: { probe: 'probeBroker', target: (p) => `nats://app:Flood-Pass-1@127.0.0.1:${p}` },
  smtp: { probe: 'probeSmtp', target: (p) => `smtp://app:Flood-Pass-1@127.0.0.1:${p}` },
  http: { probe: 'probeHttp', target: (p) => `http://admin:Flood-Pass-1@127.0.0.1:${p}/health` },
  https: { probe: 'probeHttp', target: (p) => `https://127.0.0.1:${p}/health` },
  tcp: { probe: 'probeTcp', target: (p) => `127.0.0.1:${p}` },
  certificate: { probe: 'probeCertificate', target: (p) => `127.0.0.1:${p}` },
  websocket: { probe: 'probeWebSocket', target: (p) => `ws://app:Flood-Pass-1@127.0.0.1:${p}/socket`, options: { expectMessage: 'ready' } },
  grpc: { probe: 'probeGrpc', target: (p) => `grpc://127.0.0.1:${p}` },
}

/** The most a probe may add to the resident set of its process: the 8 MiB budget, and the copies drivers make of it. */
const MAX_GROWTH_MB = 64
/** How long a process may live after a verdict: its own exit, no socket or timer of the check. */
const MAX_EXIT_MS = 500

const floods = Object.entries(FLOODS).flatMap(([protocol, variants]) => variants.map(([name, start]) => ({ protocol, name, start })))

describe('a peer that sends without end: the byte budget, not the memory of the process', () => {
  test.each(floods)('$protocol: $name', async ({ protocol, name, start }) => {
    const server = await start()
    try {
      const { probe, target, options } = PROBES[protocol] as (typeof PROBES)[string]
      const verdict = await probeInChild(probe, target(server.port), { ...options, timeoutMs: TIMEOUT_MS })
      expect(verdict.ok, `${protocol}: ${name} passed`).toBe(false)
      // past the budget (ETOOLARGE), or refused on the first message (a protocol error, an error
      // reply), or at the deadline when the client parses slower than the peer sends; a check
      // whose exchange completed fails on its expectation (the WebSocket message never came)
      expect(verdict.code ?? 'a failed expectation', verdict.message).toMatch(
        /^(ETOOLARGE|EPROTOCOL|ETIMEDOUT|UND_ERR_HEADERS_OVERFLOW|XX000|a failed expectation)$/,
      )
      expect(verdict.ms, `${protocol}: ${name} took ${Math.round(verdict.ms)} ms`).toBeLessThan(LIMIT_MS)
      expect(verdict.rssGrowthMb, `${protocol}: ${name} grew the process by ${verdict.rssGrowthMb.toFixed(1)} MiB`).toBeLessThan(MAX_GROWTH_MB)
      expect(verdict.exitAfterMs, `${protocol}: ${name}: the process lived ${verdict.exitAfterMs} ms after the verdict`).toBeLessThan(MAX_EXIT_MS)
      expect(verdict.message).not.toContain('Flood-Pass-1')
      record({
        category: 'memory',
        case: `${protocol}: ${name}`,
        check: probe,
        outcome: `${verdict.code}: RSS +${verdict.rssGrowthMb.toFixed(1)} MiB, exit ${verdict.exitAfterMs} ms after the verdict`,
        ms: verdict.ms,
        limitMs: LIMIT_MS,
        rssMb: verdict.rssGrowthMb,
        exitMs: verdict.exitAfterMs,
      })
    } finally {
      await server.close()
    }
  })
})

describe('at the verdict, nothing is left open: the process ends by itself', () => {
  const peers: Array<[string, () => Promise<Running>]> = [
    ['a peer that accepts and stalls', startSilent],
    [
      'a peer that answers garbage slowly',
      () =>
        startTcp((socket) => {
          const timer = setInterval(() => socket.write('?'), 100)
          socket.on('close', () => clearInterval(timer))
        }),
    ],
  ]
  const cases = peers.flatMap(([peer, start]) => Object.keys(PROBES).map((protocol) => ({ peer, start, protocol })))
  test.each(cases)('$protocol against $peer', async ({ peer, start, protocol }) => {
    const server = await start()
    try {
      const { probe, target, options } = PROBES[protocol] as (typeof PROBES)[string]
      const verdict = await probeInChild(probe, target(server.port), { ...options, timeoutMs: TIMEOUT_MS })
      expect(verdict.ms, `${protocol} against ${peer}: took ${Math.round(verdict.ms)} ms`).toBeLessThan(LIMIT_MS)
      expect(verdict.exitAfterMs, `${protocol} against ${peer}: the process lived ${verdict.exitAfterMs} ms after the verdict`).toBeLessThan(
        MAX_EXIT_MS,
      )
      record({
        category: 'handles',
        case: `${protocol}: ${peer}`,
        check: probe,
        outcome: `${verdict.ok ? 'passed' : verdict.code}; the process exited ${verdict.exitAfterMs} ms after the verdict`,
        ms: verdict.ms,
        limitMs: LIMIT_MS,
        exitMs: verdict.exitAfterMs,
      })
    } finally {
      await server.close()
    }
  })
})
