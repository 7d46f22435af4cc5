/**
 * TCP probe: does `host:port` accept a connection from here? Connect, then close at once;
 * nothing is sent. IPv4, IPv6 (`[::1]:6379`) and names (both families tried, as Node's
 * happy-eyeballs connect does).
 *
 * @module
 */
import { connect, type Socket } from 'node:net'
import { noConnection, runExchange } from '../core/exchange.ts'
import type { ProbeOptions, ProbeResult } from '../core/result.ts'
import { formatHostPort, parseHostPort } from '../core/targets.ts'
import { HANDSHAKE_MAX_RECEIVED_BYTES } from '../core/probe-scope.ts'
import { checkLimits, checkOptions } from '../core/validate.ts'

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
  const limits = checkLimits(checkOptions(options, []))
  const { host, port } = parseHostPort(target, { what: 'host:port', schemes: ['tcp:'] })
  const where = formatHostPort({ host, port })
  const observed: TcpObserved = { host, port }
  let socket: Socket | undefined
  return runExchange(
    { where, limits, observed, signal, defaultReceiveBudget: HANDSHAKE_MAX_RECEIVED_BYTES },
    {
      exchange: async (step) => {
        await step.race(
          new Promise<void>((resolve, reject) => {
            socket = connect({ host, port })
            step.scope.adopt(socket)
            socket.once('connect', () => resolve())
            socket.once('error', reject)
          }),
        )
        observed.address = socket?.remoteAddress
        observed.family = socket?.remoteFamily
      },
      timeout: () => noConnection(where, limits.timeoutMs),
      close: () => {
        socket?.on('error', () => {})
        socket?.destroy()
      },
      summary: () => `connected to ${formatHostPort({ host: observed.address ?? host, port })}`,
    },
  )
}
