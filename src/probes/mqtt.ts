/**
 * MQTT probe, on `mqtt` (MQTT.js): TCP (TLS for `mqtts://`), CONNECT, CONNACK, then
 * disconnect. A refused CONNACK (bad credentials, not authorized) fails with its reason.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { MqttClient } from 'mqtt'
import { importDriver, once } from '../core/drivers.ts'
import { HANDSHAKE_MAX_RECEIVED_BYTES } from '../core/probe-scope.ts'
import { runExchange } from '../core/exchange.ts'
import { describeNetworkError, errorCode, errorMessage } from '../core/network-errors.ts'
import { redact } from '../core/redact.ts'
import type { ProbeError, ProbeOptions, ProbeResult } from '../core/result.ts'
import { displayUrl, endpoint, parseUrl } from '../core/targets.ts'
import { formatMs } from '../core/text.ts'
import { checkLimits, checkOptions } from '../core/validate.ts'
import type { BrokerObserved } from './broker.ts'

const loadMqtt = once(() => import('mqtt'))

/**
 * Connects to an MQTT broker (CONNECT / CONNACK) and disconnects.
 *
 * @example
 * const result = await probeMqtt('mqtts://device:secret@broker:8883')
 */
export async function probeMqtt(target: string, options: ProbeOptions = {}, signal?: AbortSignal): Promise<ProbeResult<BrokerObserved>> {
  const limits = checkLimits(checkOptions(options, []))
  const url = parseUrl(target, ['mqtt:', 'mqtts:'], 'an mqtt:// or mqtts:// URL')
  const { host, port, where } = endpoint(url, url.protocol === 'mqtts:' ? 8883 : 1883)
  const observed: BrokerObserved = { protocol: 'mqtt', host, port }
  const mqtt = await importDriver(loadMqtt, 'mqtt', `${url.protocol}//`)
  let client: MqttClient | undefined
  return runExchange(
    { where, target: displayUrl(url), limits, observed, signal, defaultReceiveBudget: HANDSHAKE_MAX_RECEIVED_BYTES },
    {
      first: ['handshake', 'waiting for CONNACK'],
      exchange: async (step) => {
        await step.race(
          new Promise<void>((resolve, reject) => {
            client = mqtt.connect(target, {
              connectTimeout: limits.timeoutMs + 1000,
              reconnectPeriod: 0,
              clean: true,
              clientId: `prodcheck-${randomBytes(6).toString('hex')}`,
            })
            client.once('connect', () => resolve())
            client.once('error', reject)
            client.once('close', () => reject(Object.assign(new Error('the broker closed the connection before CONNACK'), { code: 'ECONNCLOSED' })))
          }),
        )
        observed.server = `MQTT ${client?.options.protocolVersion === 5 ? '5' : '3.1.1'}`
      },
      timeout: () => ({
        code: 'ETIMEDOUT',
        message: `no CONNACK from ${where} within ${formatMs(limits.timeoutMs)}`,
        hint: 'the port accepts connections but does not answer MQTT (mqtts:// for TLS ports?), or the broker is overloaded',
      }),
      describe: (caught) => describeMqttError(caught, where),
      close: () => {
        client?.on('error', () => {})
        client?.end(true)
      },
      summary: () => `MQTT broker at ${where} accepted the connection`,
    },
  )
}

function describeMqttError(error: unknown, where: string): ProbeError {
  const code = errorCode(error)
  const message = redact(errorMessage(error))
  // CONNACK refusals: 4/134 bad user name or password, 5/135 not authorized
  if (/Bad username or password|bad user name or password|Not authorized/i.test(message) || ['4', '5', '134', '135'].includes(code)) {
    return {
      code: 'EAUTH',
      message: `MQTT at ${where} refused the connection: ${message}`,
      hint: 'the credentials are wrong, or this client may not connect: check the URL and the broker ACLs',
    }
  }
  if (/Identifier rejected|Server unavailable|Unacceptable protocol version/i.test(message)) {
    return {
      code: 'EREFUSED',
      message: `MQTT at ${where} refused the connection: ${message}`,
      hint: 'the broker refused this client: check its logs',
    }
  }
  if (code === 'ECONNCLOSED')
    return {
      code,
      message: `${where} closed the connection before CONNACK`,
      hint: 'the port may not speak MQTT (mqtts:// for TLS ports?), or the broker dropped this client: check its logs',
    }
  return describeNetworkError(error, where)
}
