/**
 * ICMP echo probe, through the `ping` package and the system `ping` binary.
 *
 * The host is validated (a DNS name or an IP literal, nothing else) and resolved here,
 * under the deadline, before anything is spawned; the binary gets the numeric address as
 * a separate argument (no shell). The `ping` package builds the arguments; the probe
 * spawns the binary itself, under the deadline's signal, so that an aborted check kills
 * it, and schedules it to end by itself before the deadline ({@link pingSchedule}).
 *
 * @module
 */
import { execFile } from 'node:child_process'
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { lookup } from 'node:dns/promises'
import { platform } from 'node:os'
import { delimiter, join } from 'node:path'
import type { PingConfig } from 'ping'
import { once } from '../core/drivers.ts'
import { SetupError } from '../core/errors.ts'
import { ProbeFailure, runExchange } from '../core/exchange.ts'
import { describeNetworkError, errorMessage } from '../core/network-errors.ts'
import { latencyFailure, type ProbeError, type ProbeOptions, type ProbeResult } from '../core/result.ts'
import { redact } from '../core/redact.ts'
import { parseHost } from '../core/targets.ts'
import { formatMs } from '../core/text.ts'
import { checkInteger, checkLimits, checkOptions } from '../core/validate.ts'

/** Options of {@link probePing}. `maxLatencyMs` applies to the average round trip. */
export interface PingProbeOptions extends ProbeOptions {
  /** Echo requests to send (1-100, 0.2 s apart). The host passes when at least one is answered. Default 3. */
  count?: number
}

/** What {@link probePing} observed. */
export interface PingObserved {
  host: string
  /** The address pinged (the host resolved by this machine's resolver). */
  address?: string
  sent: number
  received: number
  packetLossPercent: number
  /** Round-trip times in ms. */
  times: number[]
  minMs?: number
  avgMs?: number
  maxMs?: number
}

const PING_BUILDER = 'ping/lib/builder/factory.js'
type Builders = { default: { createBuilder(platform: string): { getCommandArguments(target: string, config: PingConfig): string[] } } }
const loadBuilders = once(() => import(PING_BUILDER) as Promise<Builders>)

/** Seconds between echo requests, at most (less when many must fit in a short deadline). */
const MAX_INTERVAL_SECONDS = 0.2
/** iputils refuses intervals under 2 ms to non-root users. */
const MIN_INTERVAL_SECONDS = 0.002
/** Time kept for spawning the binary and reading its output. */
const SPAWN_MARGIN_SECONDS = 0.05

/**
 * When to send and how long to wait, so that the `ping` binary ends by itself before the
 * deadline: `count` requests `intervalSeconds` apart, then `-W waitSeconds` for the replies.
 * (`-w` takes whole seconds only, too coarse for sub-second deadlines.)
 *
 * @example
 * pingSchedule(3, 5000) // { intervalSeconds: 0.2, waitSeconds: 4.55 }
 */
export function pingSchedule(count: number, timeoutMs: number): { intervalSeconds: number; waitSeconds: number } {
  const seconds = timeoutMs / 1000
  const intervalSeconds = Math.max(MIN_INTERVAL_SECONDS, Math.min(MAX_INTERVAL_SECONDS, Math.floor((seconds / (count + 1)) * 1000) / 1000))
  const waitSeconds = Math.max(0.01, Math.floor((seconds - (count - 1) * intervalSeconds - SPAWN_MARGIN_SECONDS) * 1000) / 1000)
  return { intervalSeconds, waitSeconds }
}

/**
 * Pings `host` and reports round-trip times and packet loss. `latencyMs` is the average
 * round trip when a reply came, the wall time otherwise.
 *
 * @example
 * const result = await probePing('10.0.0.5', { count: 3, maxLatencyMs: 20 })
 * console.log(result.ok, result.observed.avgMs, result.observed.packetLossPercent)
 */
export async function probePing(target: string, options: PingProbeOptions = {}, signal?: AbortSignal): Promise<ProbeResult<PingObserved>> {
  const { maxLatencyMs, ...limits } = checkLimits(checkOptions(options, ['count']))
  const host = parseHost(target)
  const count = checkInteger('count', options.count, 1, 100) ?? 3
  const binary = await findBinary('ping')
  if (!binary) throw new SetupError('the ping binary is not installed (Debian: apt-get install iputils-ping)')
  const observed: PingObserved = { host, sent: 0, received: 0, packetLossPercent: 100, times: [] }
  return runExchange(
    { where: host, limits, observed, signal },
    {
      // the latency budget is the average round trip's, judged below with its own words
      first: ['dns', 'resolving the name'],
      exchange: async (step) => {
        const { address } = await step.race(lookup(host))
        observed.address = address
        step.enter('echo', 'waiting for echo replies')
        const { intervalSeconds, waitSeconds } = pingSchedule(count, limits.timeoutMs - step.deadline.elapsed())
        const output = await runPing(
          binary,
          address,
          { numeric: true, min_reply: count, timeout: waitSeconds, extra: ['-i', String(intervalSeconds)] },
          step.deadline.signal,
        )
        Object.assign(observed, parseOutput(output))
        if (observed.received === 0) throw new ProbeFailure(noReply(host, observed, output, count))
      },
      timeout: () => ({
        code: 'ETIMEDOUT',
        message: `no answer from ${host} within ${formatMs(limits.timeoutMs)}`,
        hint: 'the name did not resolve in time, or the host does not answer ICMP',
      }),
      describe: (caught) =>
        (caught as { syscall?: string })?.syscall?.startsWith('spawn')
          ? {
              code: 'EPINGFAILED',
              message: `the ping binary could not be started (${errorMessage(caught)})`,
              hint: 'check that `ping` is executable by this user (iputils-ping, CAP_NET_RAW)',
            }
          : describeNetworkError(caught, host),
      latency: (elapsed) => observed.avgMs ?? elapsed,
      failures: (latencyMs) => latencyFailure(latencyMs, maxLatencyMs).map((f) => `average round trip ${f}`),
      summary: () => `${observed.received}/${observed.sent} replies from ${observed.address}, avg ${formatMs(observed.avgMs ?? 0)}`,
    },
  )
}

/**
 * Runs the system `ping` with the arguments the `ping` package builds, under `signal`
 * (which kills it), and returns its output. The package's own `probe()` cannot be
 * cancelled, and sets LANG in `process.env` for everyone: we spawn it ourselves.
 */
async function runPing(binary: string, address: string, config: PingConfig, signal: AbortSignal): Promise<string> {
  // the package's argument builder (lib/builder/factory.js), which @types/ping does not declare
  const { default: builders } = await loadBuilders()
  const args = builders.createBuilder(platform()).getCommandArguments(address, { ...config, v6: false })
  return new Promise((resolve, reject) => {
    // exit status 1 means "no reply": the output says what happened, so it is not an error here
    execFile(binary, args, { signal, env: { ...process.env, LANG: 'C', LC_ALL: 'C' }, maxBuffer: 256 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error)
      else resolve(`${stdout}${stderr}`)
    })
  })
}

function noReply(host: string, observed: PingObserved, output: string, count: number): ProbeError {
  const address = observed.address && observed.address !== host ? ` (${observed.address})` : ''
  const complaint = output.split('\n').find((line) => /unreachable|not permitted|denied|invalid|unknown|failure|error/i.test(line))
  if (complaint && /not permitted|denied/i.test(complaint)) {
    return {
      code: 'EPERM',
      message: `ping was not allowed to send: ${redact(complaint.trim())}`,
      hint: 'ping needs root, CAP_NET_RAW, or net.ipv4.ping_group_range covering this user',
    }
  }
  if (complaint) {
    return {
      code: 'EHOSTUNREACH',
      message: `${host}${address} is unreachable: ${redact(complaint.trim())}`,
      hint: 'check the routes and firewalls between this host and the target',
    }
  }
  return {
    code: 'ENOREPLY',
    message: `no reply from ${host}${address} to ${Math.max(observed.sent, 1)} of ${count} echo requests`,
    hint: 'the host is down or ICMP is filtered (many clouds drop ping: prefer toAcceptTcp on a service port there)',
  }
}

/** Reads the summary lines of iputils / BSD ping output. */
export function parseOutput(output: string): Partial<PingObserved> {
  const counts = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(output)
  const times = [...output.matchAll(/time[=<]([\d.]+) ?ms/g)].map((m) => Number(m[1]))
  const rtt = /= ([\d.]+)\/([\d.]+)\/([\d.]+)/.exec(output)
  const sent = counts ? Number(counts[1]) : 0
  const received = counts ? Number(counts[2]) : times.length
  return {
    sent,
    received,
    packetLossPercent: sent > 0 ? Math.round(((sent - received) / sent) * 1000) / 10 : 100,
    times,
    ...(rtt && { minMs: Number(rtt[1]), avgMs: Number(rtt[2]), maxMs: Number(rtt[3]) }),
  }
}

/** The absolute path of an executable found on `PATH`, or undefined. */
async function findBinary(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, name)
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch {
      // not in this directory
    }
  }
  return undefined
}
