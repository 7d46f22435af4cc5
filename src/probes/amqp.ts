/**
 * AMQP 0-9-1 probe (RabbitMQ and friends), on `amqplib`: TCP (TLS for `amqps://`),
 * protocol header, authentication, virtual host, then close.
 *
 * @module
 */
import { importDriver, once } from '../core/drivers.ts'
import { closeGracefully } from '../core/deadline.ts'
import { HANDSHAKE_MAX_RECEIVED_BYTES } from '../core/probe-scope.ts'
import { runExchange } from '../core/exchange.ts'
import { describeNetworkError, errorMessage } from '../core/network-errors.ts'
import { redact } from '../core/redact.ts'
import type { ProbeError, ProbeOptions, ProbeResult } from '../core/result.ts'
import { displayUrl, endpoint, parseUrl } from '../core/targets.ts'
import { formatMs } from '../core/text.ts'
import { checkInteger, checkLimits, checkOptions } from '../core/validate.ts'
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
  const limits = checkLimits(checkOptions(options, []))
  const url = parseUrl(target, ['amqp:', 'amqps:'], 'an amqp:// or amqps:// URL')
  const { host, port, where } = endpoint(url, url.protocol === 'amqps:' ? 5671 : 5672)
  const vhost = decodeURIComponent(url.pathname.slice(1)) || '/'
  checkTuning(url)
  const observed: BrokerObserved = { protocol: 'amqp', host, port }
  const amqp = await importDriver(loadAmqplib, 'amqplib', `${url.protocol}//`)
  let connection: AmqpConnection | undefined
  return runExchange(
    { where, target: displayUrl(url), limits, observed, signal, defaultReceiveBudget: HANDSHAKE_MAX_RECEIVED_BYTES },
    {
      first: ['handshake', 'opening the AMQP connection'],
      exchange: async (step) => {
        const opening = amqp.connect(target, {
          timeout: limits.timeoutMs + 1000,
          signal: step.deadline.signal,
        } as object) as unknown as Promise<AmqpConnection>
        // a connection that opens after we gave up must still be closed
        step.deadline.aborted.catch(() =>
          opening.then(
            (late) => late.close().catch(() => {}),
            () => {},
          ),
        )
        connection = await step.race(opening)
        connection.on('error', () => {})
        const { product, version } = connection.connection.serverProperties ?? {}
        observed.server = [product, version].filter(Boolean).join(' ') || undefined
      },
      timeout: () => ({
        code: 'ETIMEDOUT',
        message: `no AMQP handshake with ${where} within ${formatMs(limits.timeoutMs)}`,
        hint: 'the port accepts connections but does not answer AMQP (amqps:// for TLS ports?), or the broker is overloaded',
      }),
      describe: (caught) => describeAmqpError(caught, where, vhost),
      close: async () => {
        const open = connection
        if (open)
          await closeGracefully(
            () => open.close(),
            () => open.connection.stream?.destroy(),
          )
      },
      summary: () => `${observed.server ?? 'AMQP broker'} opened virtual host ${vhost}`,
    },
  )
}

/** amqplib's tuning parameters of the URL, which it would only refuse mid-handshake (limits of AMQP 0-9-1). */
const TUNING: Record<string, number> = { frameMax: 0xffffffff, channelMax: 0xffff, heartbeat: 0xffff }

function checkTuning(url: URL): void {
  for (const [name, max] of Object.entries(TUNING)) {
    const value = url.searchParams.get(name)
    if (value !== null) checkInteger(name, /^\d{1,10}$/.test(value) ? Number(value) : value, 0, max)
  }
}

function describeAmqpError(error: unknown, where: string, vhost: string): ProbeError {
  const message = redact(errorMessage(error))
  if (/ACCESS[-_]REFUSED/.test(message)) {
    return {
      code: 'EAUTH',
      message: `AMQP at ${where} refused the login (403 ACCESS_REFUSED)`,
      hint: 'the user or password is wrong, or the user may not log in from here: check the URL and the broker users',
    }
  }
  if (/NOT[-_]ALLOWED|ConnectionClose/.test(message)) {
    return {
      code: 'EVHOST',
      message: `AMQP at ${where} refused to open virtual host "${vhost}"`,
      hint: 'the virtual host does not exist, or the user has no permission on it: check the path of the URL and the broker permissions',
    }
  }
  if (/ETIMEDOUT/.test(message))
    return { code: 'ETIMEDOUT', message: `no AMQP handshake with ${where}`, hint: 'the broker did not complete the handshake' }
  if (/Unexpected|Frame|protocol/i.test(message) && !(error as { code?: string }).code) {
    return {
      code: 'EPROTOCOL',
      message: `${where} does not speak AMQP 0-9-1 (${message})`,
      hint: 'check host and port (5672 for amqp://, 5671 for amqps://)',
    }
  }
  return describeNetworkError(error, where)
}
