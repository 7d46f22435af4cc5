/**
 * TCP probe: does `host:port` accept a connection from here? Connect, then close at once;
 * nothing is sent. IPv4, IPv6 (`[::1]:6379`) and names (both families tried, as Node's
 * happy-eyeballs connect does).
 *
 * @module
 */
import type { Socket } from 'node:net'
import { connect } from 'node:net'
import {
  abortedError,
  checkBytes,
  checkDuration,
  checkOptions,
  DEFAULT_TIMEOUT_MS,
  describeNetworkError,
  formatMs,
  latencyFailure,
  type ProbeError,
  type ProbeOptions,
  type ProbeResult,
  probeResult,
  startDeadline,
} from '../core/probe.ts'
import { openScope } from '../core/probe-scope.ts'
import { formatHostPort, parseHostPort } from '../core/targets.ts'

/** Options of {@link probeTcp}. */
export type TcpProbeOptions = ProbeOptions

/** What {@link probeTcp} observed. */
export interface TcpObserved {
  host: string
  port: number
  /** The address actually connected to. */
  address?: string
  family?: string
}

/**
 * Opens a TCP connection to `host:port` and closes it.
 *
 * @example
 * const result = await probeTcp('db.internal:5432', { timeoutMs: 2000 })
 * console.log(result.ok, result.latencyMs)
 */
export async function probeTcp(target: string, options: TcpProbeOptions = {}, signal?: AbortSignal): Promise<ProbeResult<TcpObserved>> {
  checkOptions(options)
  const { host, port } = parseHostPort(target, { what: 'host:port', schemes: ['tcp:'] })
  const timeoutMs = checkDuration('timeoutMs', options.timeoutMs) ?? DEFAULT_TIMEOUT_MS
  const maxLatencyMs = checkDuration('maxLatencyMs', options.maxLatencyMs)
  const where = formatHostPort({ host, port })
  const scope = openScope(checkBytes('maxReceivedBytes', options.maxReceivedBytes))
  const observed: TcpObserved = { host, port }

  const deadline = startDeadline(timeoutMs, signal)
  let socket: Socket | undefined
  let error: ProbeError | undefined
  try {
    await Promise.race([
      new Promise<void>((resolve, reject) => {
        socket = connect({ host, port })
        scope.adopt(socket)
        socket.once('connect', () => resolve())
        socket.once('error', reject)
      }),
      deadline.aborted,
    ])
    observed.address = socket?.remoteAddress
    observed.family = socket?.remoteFamily
  } catch (caught) {
    error =
      abortedError(deadline) ??
      (deadline.timedOut()
        ? { code: 'ETIMEDOUT', message: `no connection to ${where} within ${formatMs(timeoutMs)}`, hint: 'the host does not answer: it is down, the address is wrong, or a firewall drops the packets' }
        : describeNetworkError(caught, where))
  } finally {
    deadline.clear()
    socket?.on('error', () => {})
    scope.close()
  }
  const latencyMs = deadline.elapsed()
  return probeResult({
    target: where,
    latencyMs,
    observed,
    error,
    failures: () => latencyFailure(latencyMs, maxLatencyMs),
    summary: () => `connected to ${formatHostPort({ host: observed.address ?? host, port })}`,
  })
}
