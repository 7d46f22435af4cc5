/**
 * NATS probe, on `nats` (nats.js): connect (TLS when the server asks or the URL is
 * `tls://`), INFO / CONNECT / PING-PONG with the credentials of the URL, then close.
 *
 * @module
 */
import { connect } from 'node:net'
import { importDriver, once } from '../core/drivers.ts'
import { closeGracefully } from '../core/deadline.ts'
import { HANDSHAKE_MAX_RECEIVED_BYTES } from '../core/probe-scope.ts'
import { runExchange } from '../core/exchange.ts'
import { describeNetworkError, errorCode, errorMessage } from '../core/network-errors.ts'
import type { ProbeScope } from '../core/probe-scope.ts'
import { redact } from '../core/redact.ts'
import type { ProbeError, ProbeOptions, ProbeResult } from '../core/result.ts'
import { displayUrl, endpoint, parseUrl } from '../core/targets.ts'
import { formatMs } from '../core/text.ts'
import { checkLimits, checkOptions } from '../core/validate.ts'
import type { BrokerObserved } from './broker.ts'

const loadNats = once(() => import('nats'))
/** The longest INFO line accepted. */
const MAX_INFO_BYTES = 64 * 1024

/** The part of a nats.js connection the probe uses. */
interface NatsConnection {
  info?: { server_name?: string; version?: string }
  close(): Promise<void>
}

/**
 * Connects to a NATS server with the URL's credentials (`nats://user:pass@host`, or a
 * token as `nats://token@host`) and closes.
 *
 * @example
 * const result = await probeNats('nats://app:secret@nats.internal:4222')
 */
export async function probeNats(target: string, options: ProbeOptions = {}, signal?: AbortSignal): Promise<ProbeResult<BrokerObserved>> {
  const limits = checkLimits(checkOptions(options, []))
  const url = parseUrl(target, ['nats:', 'tls:'], 'a nats:// or tls:// URL')
  const { host, port, where } = endpoint(url, 4222)
  const observed: BrokerObserved = { protocol: 'nats', host, port }
  const user = decodeURIComponent(url.username)
  const pass = decodeURIComponent(url.password)
  const credentials = user && pass ? { user, pass } : user ? { token: user } : {}
  const nats = await importDriver(loadNats, 'nats', `${url.protocol}//`)
  let connection: NatsConnection | undefined
  return runExchange(
    { where, target: displayUrl(url), limits, observed, signal, defaultReceiveBudget: HANDSHAKE_MAX_RECEIVED_BYTES },
    {
      first: ['handshake', 'waiting for the NATS handshake'],
      exchange: async (step) => {
        // nats.js waits for the server's INFO with no timeout of its own, and leaks the socket of a
        // server that accepts and stays silent: see that INFO comes, on a socket of ours, first
        const info = await step.race(readInfo(host, port, step.deadline.signal, step.scope))
        if (info.version) observed.server = `nats-server ${info.version}`
        const opening = nats.connect({
          servers: `${url.protocol === 'tls:' ? 'tls' : 'nats'}://${where}`,
          ...credentials,
          ...(url.protocol === 'tls:' && { tls: {} }),
          // nats.js closes its socket when its own timer fires: let it fire with our deadline
          timeout: Math.max(1, Math.ceil(limits.timeoutMs - step.deadline.elapsed())),
          reconnect: false,
          maxReconnectAttempts: 0,
          name: 'prodcheck',
        }) as Promise<NatsConnection>
        step.deadline.aborted.catch(() =>
          opening.then(
            (late) => late.close().catch(() => {}),
            () => {},
          ),
        )
        connection = await step.race(opening)
        const { server_name, version } = connection.info ?? {}
        observed.server = version ? `nats-server ${version}` : (server_name ?? observed.server)
      },
      timeout: () => ({
        code: 'ETIMEDOUT',
        message: `no NATS handshake with ${where} within ${formatMs(limits.timeoutMs)}`,
        hint: 'the port accepts connections but does not answer NATS, or the server is overloaded',
      }),
      describe: (caught) => describeNatsError(caught, where),
      // nats.js keeps reading a peer that floods it, whatever its timers say: the scope ends that
      close: async () => {
        const open = connection
        if (open)
          await closeGracefully(
            () => open.close(),
            () => {},
          )
      },
      summary: () => `${observed.server ?? 'NATS server'} at ${where} accepted the connection`,
    },
  )
}

/** The INFO line a NATS server sends first; rejects if something else (or nothing) comes. */
function readInfo(host: string, port: number, signal: AbortSignal, scope: ProbeScope): Promise<{ version?: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port })
    scope.adopt(socket)
    let received = ''
    const finish = (error: Error | null, info?: { version?: string }): void => {
      signal.removeEventListener('abort', onAbort)
      socket.destroy()
      if (error) reject(error)
      else resolve(info ?? {})
    }
    const onAbort = (): void => finish(signal.reason instanceof Error ? signal.reason : new Error('aborted'))
    signal.addEventListener('abort', onAbort, { once: true })
    socket.on('error', (error) => finish(error))
    socket.on('close', () => finish(Object.assign(new Error('the server closed the connection before sending INFO'), { code: 'ECONNCLOSED' })))
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1')
      const newline = received.indexOf('\n')
      if (newline === -1) {
        // nats-server's control lines are 4 KiB at most; past 64 KiB this is no NATS server
        if (received.length >= MAX_INFO_BYTES)
          finish(Object.assign(new Error(`INFO line longer than ${MAX_INFO_BYTES / 1024} KiB, with no end`), { code: 'EPROTOCOL' }))
        return
      }
      const line = received.slice(0, newline).trim()
      if (!line.startsWith('INFO ')) {
        finish(Object.assign(new Error(`expected INFO, got ${JSON.stringify(line.slice(0, 40))}`), { code: 'EPROTOCOL' }))
        return
      }
      try {
        finish(null, JSON.parse(line.slice(5)) as { version?: string })
      } catch {
        finish(null, {})
      }
    })
  })
}

function describeNatsError(error: unknown, where: string): ProbeError {
  const code = errorCode(error)
  if (code === 'ECONNCLOSED')
    return {
      code,
      message: `${where} closed the connection before sending INFO`,
      hint: 'the port may not speak NATS, or the server refused this client: check its logs',
    }
  const message = redact(errorMessage(error))
  if (code === 'AUTHORIZATION_VIOLATION' || /Authorization Violation|authentication/i.test(message)) {
    return {
      code: 'EAUTH',
      message: `NATS at ${where} refused the credentials (Authorization Violation)`,
      hint: 'the user/password or token of the URL is wrong: check it against the server accounts',
    }
  }
  if (code === 'CONNECTION_REFUSED') return describeNetworkError({ code: 'ECONNREFUSED' }, where)
  if (code === 'TIMEOUT') return { code: 'ETIMEDOUT', message: `no NATS handshake with ${where}`, hint: 'the server did not answer in time' }
  if (/TLS|tls/.test(message))
    return {
      code: 'ETLS',
      message: `NATS at ${where}: ${message}`,
      hint: 'the server requires TLS (use tls://) or its certificate is not trusted here',
    }
  if (code === 'EPROTOCOL' || /protocol|INFO/i.test(message))
    return { code: 'EPROTOCOL', message: `${where} does not speak NATS (${message})`, hint: 'check host and port (4222 by default)' }
  return describeNetworkError(error, where)
}
