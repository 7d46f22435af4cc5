/**
 * Redis probe, on `ioredis`: connect (TLS for `rediss://`), authenticate and select the
 * database as the DSN says, send one command (`PING` unless `query` says otherwise),
 * quit. No retries, no offline queue, no reconnect: one attempt under one deadline.
 *
 * @module
 */
import type { Redis } from 'ioredis'
import { once } from '../core/drivers.ts'
import { closeGracefully } from '../core/deadline.ts'
import { TargetError } from '../core/errors.ts'
import { runExchange, timeoutError } from '../core/exchange.ts'
import { describeNetworkError, errorMessage } from '../core/network-errors.ts'
import { redact, redactionMargin } from '../core/redact.ts'
import type { ProbeError, ProbeResult } from '../core/result.ts'
import { displayUrl, hostPort, parseUrl } from '../core/targets.ts'
import { cut, escapeControls, peerText } from '../core/text.ts'
import { checkLimits, checkOptions, describeValue } from '../core/validate.ts'
import type { DatabaseObserved, DatabaseProbeOptions } from './database.ts'

const loadIoredis = once(() => import('ioredis'))
const MAX_REPLY_CHARS = 2000
/** Items of an array reply shown (each on its line). */
const MAX_REPLY_ITEMS = 50

const REPLY_HINTS: Array<[RegExp, string]> = [
  [/^(NOAUTH|WRONGPASS)/, 'authentication failed: check the password (and user) in the DSN, or the secret it is built from'],
  [/^NOPERM/, 'the ACL user may not run this command: grant it, or check the user in the DSN'],
  [/^LOADING/, 'Redis is loading its dataset after a restart: wait for it, or check why it restarted'],
  [/^(MASTERDOWN|READONLY)/, 'this replica cannot serve the command: point the DSN at the primary, or check replication'],
  [/^ERR (unknown command|wrong number)/i, 'the query is not a command this server knows: check its spelling and arguments'],
  [/^ERR (DB index|invalid DB index)/i, 'the database number in the DSN does not exist on this server (databases setting)'],
  [/max(imum)? number of clients/i, 'the server has no connection slot left: check maxclients and the pools of the clients'],
]

/**
 * Connects to Redis, sends `query` (default `PING`), and closes.
 *
 * @example
 * const result = await probeRedis('redis://:secret@cache:6379/0', { query: 'INFO server' })
 * console.log(result.observed.reply)
 */
export async function probeRedis(dsn: string, options: DatabaseProbeOptions = {}, signal?: AbortSignal): Promise<ProbeResult<DatabaseObserved>> {
  const limits = checkLimits(checkOptions(options, ['query']))
  const url = parseUrl(dsn, ['redis:', 'rediss:'], 'a redis:// or rediss:// DSN')
  if (!/^\/?\d*$/.test(url.pathname)) {
    throw new TargetError(`${describeValue(dsn)}: the path must be a database number such as /0, got ${describeValue(url.pathname)}`)
  }
  const [command, ...args] = parseCommand(options.query ?? 'PING')
  const where = hostPort(url, 6379)
  const observed: DatabaseObserved = { engine: 'redis' }
  const { Redis: RedisClient } = await loadIoredis()
  const client: Redis = new RedisClient(dsn, {
    lazyConnect: true,
    connectTimeout: limits.timeoutMs + 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    disconnectTimeout: 100,
  })
  let lastError: unknown
  client.on('error', (err) => (lastError = err)) // ioredis reports connection errors as events
  // ioredis throws from its socket data handler when a peer sends replies nobody asked for
  // (a garbage-speaking server): keep that a failed check, not an uncaught exception
  client.once('connect', () =>
    guardStream(client, (error) => {
      lastError = Object.assign(new Error(`unexpected replies (${errorMessage(error)})`), { code: 'EPROTOCOL' })
    }),
  )
  return runExchange(
    { where, target: displayUrl(url), limits, observed, signal },
    {
      exchange: async (step) => {
        await step.race(client.connect())
        step.enter('query', `sending ${command}`)
        const reply = await step.race(client.call(command as string, ...args))
        // ioredis sends AUTH and SELECT itself on connect and only emits their failures
        if ((lastError as { name?: string } | undefined)?.name === 'ReplyError') throw lastError
        observed.reply = showReply(reply)
        observed.serverVersion = /redis_version:([^\r\n]{1,64})/.exec(observed.reply)?.[1]
      },
      timeout: (step) =>
        timeoutError(
          where,
          step,
          step.phase === 'query'
            ? 'the command did not finish in time: the server may be blocked by a slow command (check SLOWLOG) or overloaded'
            : 'the server did not accept or answer: is it overloaded, is this really Redis (TLS needs rediss://), or does a firewall drop the packets?',
        ),
      // `connect()` rejects with "Connection is closed"; the event carried the real cause
      describe: (caught, step) => describeRedisError(realCause(lastError) ? lastError : caught, where, step.label),
      close: async (failed) => {
        // disconnect() arms a timer that only a later 'close' clears: skip it once the stream has ended
        const destroy = (): void => {
          if (client.status !== 'end') client.disconnect()
        }
        if (failed) destroy()
        else await closeGracefully(() => client.quit(), destroy)
      },
      summary: () => `Redis answered ${command}: ${peerText((observed.reply ?? '').split(/\r?\n/, 1)[0] ?? '', 60)}`,
    },
  )
}

/** True when an error event says more than the rejection that followed it. */
function realCause(error: unknown): boolean {
  return (
    Boolean(error) && (Boolean(errorCodeOf(error)) || /ReplyError|ParserError/.test((error as Error).name) || /Protocol error/.test(String(error)))
  )
}

/**
 * Splits a Redis command line into arguments: whitespace separates, quotes group,
 * backslash escapes inside double quotes.
 *
 * @example
 * parseCommand('SET greeting "hello world"') // ['SET', 'greeting', 'hello world']
 */
export function parseCommand(line: unknown): string[] {
  if (typeof line !== 'string' || line.trim() === '')
    throw new TargetError(`query must be a Redis command such as "PING", got ${describeValue(line)}`)
  if (/[\r\n\u0000]/.test(line)) throw new TargetError('query must be one Redis command on one line (no line break or NUL)')
  const args: string[] = []
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g
  for (const [, doubled, single, bare] of line.matchAll(pattern)) {
    args.push(doubled !== undefined ? doubled.replace(/\\(.)/g, '$1') : (single ?? bare ?? ''))
  }
  if (!/^[A-Za-z][A-Za-z0-9_|.-]*$/.test(args[0] ?? ''))
    throw new TargetError(`query must start with a Redis command name such as PING, got ${describeValue(line)}`)
  return args
}

/** Wraps the data listeners of the client's socket so that what they throw ends the connection instead. */
function guardStream(client: Redis, onError: (error: unknown) => void): void {
  const stream = (client as unknown as { stream?: NodeJS.EventEmitter & { destroy(): void } }).stream
  if (!stream) return
  const listeners = stream.listeners('data') as Array<(chunk: Buffer) => void>
  stream.removeAllListeners('data')
  for (const listener of listeners) {
    stream.on('data', (chunk: Buffer) => {
      try {
        listener.call(stream, chunk)
      } catch (error) {
        onError(error)
        stream.destroy()
      }
    })
  }
}

function errorCodeOf(error: unknown): string | undefined {
  return (error as { code?: string }).code
}

/**
 * A reply as text for `observed.reply`: its pieces cut first (at most 50 items of an array,
 * each cut), then redacted, controls escaped (line breaks kept: `INFO` is read by lines),
 * and cut to 2000 characters.
 */
function showReply(reply: unknown): string {
  const window = MAX_REPLY_CHARS + redactionMargin()
  return cut(escapeControls(redact(formatReply(reply, window)).replace(/\r\n/g, '\n')), MAX_REPLY_CHARS)
}

function formatReply(reply: unknown, max: number): string {
  if (reply === null || reply === undefined) return '(nil)'
  if (Buffer.isBuffer(reply)) return reply.toString('utf8', 0, Math.min(reply.length, max))
  if (Array.isArray(reply)) {
    const items = reply.slice(0, MAX_REPLY_ITEMS).map((item) => formatReply(item, max))
    return `${items.join('\n')}${reply.length > MAX_REPLY_ITEMS ? `\n… ${reply.length - MAX_REPLY_ITEMS} more` : ''}`.slice(0, max)
  }
  const text = String(reply)
  return text.length > max ? text.slice(0, max) : text
}

function describeRedisError(error: unknown, where: string, phase: string): ProbeError {
  const message = redact(errorMessage(error)).replace(/\s*Please report this\.?/, '')
  const replyHint = REPLY_HINTS.find(([pattern]) => pattern.test(message))
  if (replyHint || (error as { name?: string })?.name === 'ReplyError') {
    return { code: message.split(' ')[0] ?? 'ERR', message: `Redis at ${where} answered: ${message}`, ...(replyHint && { hint: replyHint[1] }) }
  }
  if (/Protocol error|unexpected replies/i.test(message)) {
    return {
      code: 'EPROTOCOL',
      message: `${where} does not speak the Redis protocol (${message})`,
      hint: 'check host and port, and that TLS servers are addressed as rediss://',
    }
  }
  if (/Connection is closed|Stream isn't writeable/i.test(message)) {
    return {
      code: 'ECONNCLOSED',
      message: `${where} closed the connection while ${phase}`,
      hint: 'check that the port speaks Redis (TLS needs rediss://), and the server logs',
    }
  }
  return describeNetworkError(error, where)
}
