/**
 * MQTT probe, on `mqtt` (MQTT.js): TCP (TLS for `mqtts://`), CONNECT, CONNACK, then
 * disconnect. A refused CONNACK (bad credentials, not authorized) fails with its reason.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { MqttClient } from 'mqtt'
import { importDriver, once } from '../core/drivers.ts'
import {
  abortedError,
  budgetExceeded,
  checkBytes,
  checkDuration,
  checkOptions,
  DEFAULT_TIMEOUT_MS,
  describeNetworkError,
  errorCode,
  errorMessage,
  formatMs,
  latencyFailure,
  type ProbeError,
  type ProbeOptions,
  type ProbeResult,
  probeResult,
  startDeadline,
} from '../core/probe.ts'
import { openScope } from '../core/probe-scope.ts'
import { redact } from '../core/redact.ts'
import { displayUrl, formatHostPort, parseUrl } from '../core/targets.ts'
import type { BrokerObserved } from './broker.ts'

const loadMqtt = once(() => import('mqtt'))

/**
 * Connects to an MQTT broker (CONNECT / CONNACK) and disconnects.
 *
 * @example
 * const result = await probeMqtt('mqtts://device:secret@broker:8883')
 */
export async function probeMqtt(target: string, options: ProbeOptions = {}, signal?: AbortSignal): Promise<ProbeResult<BrokerObserved>> {
  checkOptions(options)
  const url = parseUrl(target, ['mqtt:', 'mqtts:'], 'an mqtt:// or mqtts:// URL')
  const timeoutMs = checkDuration('timeoutMs', options.timeoutMs) ?? DEFAULT_TIMEOUT_MS
  const maxLatencyMs = checkDuration('maxLatencyMs', options.maxLatencyMs)
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const port = Number(url.port) || (url.protocol === 'mqtts:' ? 8883 : 1883)
  const where = formatHostPort({ host, port })
  const scope = openScope(checkBytes('maxReceivedBytes', options.maxReceivedBytes))
  const observed: BrokerObserved = { protocol: 'mqtt', host, port }

  const mqtt = await importDriver(loadMqtt, 'mqtt', `${url.protocol}//`)
  const deadline = startDeadline(timeoutMs, signal)
  let client: MqttClient | undefined
  let error: ProbeError | undefined
  try {
    await Promise.race([
      new Promise<void>((resolve, reject) => {
        client = scope.run(() => mqtt.connect(target, {
          connectTimeout: timeoutMs + 1000,
          reconnectPeriod: 0,
          clean: true,
          clientId: `prodcheck-${randomBytes(6).toString('hex')}`,
        }))
        client.once('connect', () => resolve())
        client.once('error', reject)
        client.once('close', () => reject(Object.assign(new Error('the broker closed the connection before CONNACK'), { code: 'ECONNCLOSED' })))
      }),
      deadline.aborted,
    ])
    observed.server = `MQTT ${client?.options.protocolVersion === 5 ? '5' : '3.1.1'}`
  } catch (caught) {
    error =
      budgetExceeded(scope, where, 'waiting for CONNACK') ??
      abortedError(deadline) ??
      (deadline.timedOut()
        ? { code: 'ETIMEDOUT', message: `no CONNACK from ${where} within ${formatMs(timeoutMs)}`, hint: 'the port accepts connections but does not answer MQTT (mqtts:// for TLS ports?), or the broker is overloaded' }
        : describeMqttError(caught, where))
  } finally {
    deadline.clear()
  }
  const latencyMs = deadline.elapsed()
  if (client) {
    client.on('error', () => {})
    client.end(true)
  }
  scope.close()
  return probeResult({
    target: displayUrl(url),
    latencyMs,
    observed,
    error,
    failures: () => latencyFailure(latencyMs, maxLatencyMs),
    summary: () => `MQTT broker at ${where} accepted the connection`,
  })
}

function describeMqttError(error: unknown, where: string): ProbeError {
  const code = errorCode(error)
  const message = redact(errorMessage(error))
  // CONNACK refusals: 4/134 bad user name or password, 5/135 not authorized
  if (/Bad username or password|bad user name or password|Not authorized/i.test(message) || ['4', '5', '134', '135'].includes(code)) {
    return { code: 'EAUTH', message: `MQTT at ${where} refused the connection: ${message}`, hint: 'the credentials are wrong, or this client may not connect: check the URL and the broker ACLs' }
  }
  if (/Identifier rejected|Server unavailable|Unacceptable protocol version/i.test(message)) {
    return { code: 'EREFUSED', message: `MQTT at ${where} refused the connection: ${message}`, hint: 'the broker refused this client: check its logs' }
  }
  if (code === 'ECONNCLOSED') return { code, message: `${where} closed the connection before CONNACK`, hint: 'the port may not speak MQTT (mqtts:// for TLS ports?), or the broker dropped this client: check its logs' }
  return describeNetworkError(error, where)
}
