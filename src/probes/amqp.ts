/**
 * AMQP 0-9-1 probe (RabbitMQ and friends), on `amqplib`: TCP (TLS for `amqps://`),
 * protocol header, authentication, virtual host, then close.
 *
 * @module
 */
import { importDriver, once } from '../core/drivers.ts'
import { TargetError } from '../core/errors.ts'
import {
  abortedError,
  budgetExceeded,
  checkBytes,
  checkDuration,
  checkOptions,
  closeGracefully,
  DEFAULT_TIMEOUT_MS,
  describeNetworkError,
  describeValue,
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

const loadAmqplib = once(() => import('amqplib'))

/** The part of an amqplib connection the probe uses. */
interface AmqpConnection {
  close(): Promise<void>
  connection: { serverProperties?: { product?: string; version?: string }; stream?: { destroy(): void } }
  on(event: 'error', listener: (error: unknown) => void): void
}

/**
 * Opens an AMQP connection (authenticating, and opening the virtual host of the URL) and closes it.
 *
 * @example
 * const result = await probeAmqp('amqp://app:secret@rabbit:5672/orders')
 */
export async function probeAmqp(target: string, options: ProbeOptions = {}, signal?: AbortSignal): Promise<ProbeResult<BrokerObserved>> {
  checkOptions(options)
  const url = parseUrl(target, ['amqp:', 'amqps:'], 'an amqp:// or amqps:// URL')
  const timeoutMs = checkDuration('timeoutMs', options.timeoutMs) ?? DEFAULT_TIMEOUT_MS
  const maxLatencyMs = checkDuration('maxLatencyMs', options.maxLatencyMs)
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const port = Number(url.port) || (url.protocol === 'amqps:' ? 5671 : 5672)
  const where = formatHostPort({ host, port })
  const vhost = decodeURIComponent(url.pathname.slice(1)) || '/'
  checkTuning(url)
  const scope = openScope(checkBytes('maxReceivedBytes', options.maxReceivedBytes))
  const observed: BrokerObserved = { protocol: 'amqp', host, port }

  const amqp = await importDriver(loadAmqplib, 'amqplib', `${url.protocol}//`)
  const deadline = startDeadline(timeoutMs, signal)
  let connection: AmqpConnection | undefined
  let error: ProbeError | undefined
  const opening = scope.run(() => amqp.connect(target, { timeout: timeoutMs + 1000, signal: deadline.signal } as object) as unknown as Promise<AmqpConnection>)
  try {
    connection = await Promise.race([opening, deadline.aborted])
    connection.on('error', () => {})
    const { product, version } = connection.connection.serverProperties ?? {}
    observed.server = [product, version].filter(Boolean).join(' ') || undefined
  } catch (caught) {
    // a connection that opens after we gave up must still be closed
    opening.then((late) => late.close().catch(() => {}), () => {})
    error =
      budgetExceeded(scope, where, 'opening the AMQP connection') ??
      abortedError(deadline) ??
      (deadline.timedOut()
        ? { code: 'ETIMEDOUT', message: `no AMQP handshake with ${where} within ${formatMs(timeoutMs)}`, hint: 'the port accepts connections but does not answer AMQP (amqps:// for TLS ports?), or the broker is overloaded' }
        : describeAmqpError(caught, where, vhost))
  } finally {
    deadline.clear()
  }
  const latencyMs = deadline.elapsed()
  if (connection) {
    const open = connection
    await closeGracefully(() => open.close(), () => open.connection.stream?.destroy())
  }
  scope.close()
  return probeResult({
    target: displayUrl(url),
    latencyMs,
    observed,
    error,
    failures: () => latencyFailure(latencyMs, maxLatencyMs),
    summary: () => `${observed.server ?? 'AMQP broker'} opened virtual host ${vhost}`,
  })
}

/** amqplib's tuning parameters of the URL, which it would only refuse mid-handshake (limits of AMQP 0-9-1). */
const TUNING: Record<string, number> = { frameMax: 0xffffffff, channelMax: 0xffff, heartbeat: 0xffff }

function checkTuning(url: URL): void {
  for (const [name, max] of Object.entries(TUNING)) {
    const value = url.searchParams.get(name)
    if (value !== null && !(/^\d{1,10}$/.test(value) && Number(value) <= max)) {
      throw new TargetError(`${name}=${describeValue(value)} must be a whole number from 0 to ${max}`)
    }
  }
}

function describeAmqpError(error: unknown, where: string, vhost: string): ProbeError {
  const message = redact(errorMessage(error))
  if (/ACCESS[-_]REFUSED/.test(message)) {
    return { code: 'EACCESS', message: `AMQP at ${where} refused the login (403 ACCESS_REFUSED)`, hint: 'the user or password is wrong, or the user may not log in from here: check the URL and the broker users' }
  }
  if (/NOT[-_]ALLOWED|ConnectionClose/.test(message)) {
    return { code: 'EVHOST', message: `AMQP at ${where} refused to open virtual host "${vhost}"`, hint: 'the virtual host does not exist, or the user has no permission on it: check the path of the URL and the broker permissions' }
  }
  if (/ETIMEDOUT/.test(message)) return { code: 'ETIMEDOUT', message: `no AMQP handshake with ${where}`, hint: 'the broker did not complete the handshake' }
  if (/Unexpected|Frame|protocol/i.test(message) && !(error as { code?: string }).code) {
    return { code: 'EPROTOCOL', message: `${where} does not speak AMQP 0-9-1 (${message})`, hint: 'check host and port (5672 for amqp://, 5671 for amqps://)' }
  }
  return describeNetworkError(error, where)
}
