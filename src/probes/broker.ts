/**
 * Message broker probe: dispatches a broker URL to the probe of its scheme.
 *
 * | scheme | probe | driver (optional peer, loaded on first use) |
 * |---|---|---|
 * | `amqp://`, `amqps://` | {@link probeAmqp} | `amqplib` |
 * | `mqtt://`, `mqtts://` | {@link probeMqtt} | `mqtt` |
 * | `nats://`, `tls://` | {@link probeNats} | `nats` |
 *
 * Each connects, completes the protocol handshake (authentication included), and closes.
 *
 * @module
 */
import type { ProbeOptions, ProbeResult } from '../core/result.ts'
import { probeByScheme } from '../core/targets.ts'
import { probeAmqp } from './amqp.ts'
import { probeMqtt } from './mqtt.ts'
import { probeNats } from './nats.ts'

/** Options of {@link probeBroker}. */
export type BrokerProbeOptions = ProbeOptions

/** What a broker probe observed. */
export interface BrokerObserved {
  protocol: 'amqp' | 'mqtt' | 'nats'
  host: string
  port: number
  /** Broker product and version, when it announces them (e.g. `RabbitMQ 3.10.8`, `nats-server 2.9.10`). */
  server?: string
}

const PROBES = {
  'amqp:': probeAmqp,
  'amqps:': probeAmqp,
  'mqtt:': probeMqtt,
  'mqtts:': probeMqtt,
  'nats:': probeNats,
  'tls:': probeNats,
} as const

/** The URL schemes {@link probeBroker} understands. */
export const BROKER_SCHEMES = Object.keys(PROBES).map((p) => `${p}//`)

/**
 * Connects to the broker a URL names, completes the handshake, and closes.
 *
 * @example
 * const result = await probeBroker(process.env.AMQP_URL, { timeoutMs: 3000 })
 * console.log(result.ok ? result.observed.server : result.error?.message)
 */
export const probeBroker: (target: string | undefined, options?: BrokerProbeOptions, signal?: AbortSignal) => Promise<ProbeResult<BrokerObserved>> =
  probeByScheme(PROBES, { what: 'a broker URL', kind: 'broker URL', example: 'amqp://user:password@host:5672/vhost' })
