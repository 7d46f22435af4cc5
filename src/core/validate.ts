/**
 * Input validation, one message style for every probe and matcher:
 * `<name> must be <what>, got <value>` (the value shown short, secrets masked), thrown as a
 * {@link TargetError} before anything is sent. Matchers call the probe, which validates;
 * they never re-normalise options themselves.
 *
 * @module
 */
import { isIP } from 'node:net'
import { X509Certificate } from 'node:crypto'
import { TargetError } from './errors.ts'
import { redactInput } from './redact.ts'
import { isHostname } from './targets.ts'
import { DEFAULT_TIMEOUT_MS } from './deadline.ts'
import type { ProbeOptions } from './result.ts'
import { formatBytes } from './text.ts'

/**
 * The error for an input that is not what it must be.
 *
 * @example
 * throw invalid('count', 'a whole number from 1 to 100', 0) // count must be a whole number from 1 to 100, got 0
 */
export function invalid(name: string, what: string, value: unknown): TargetError {
  return new TargetError(`${name} must be ${what}, got ${describeValue(value)}`)
}

/** The options every probe takes ({@link ProbeOptions}). */
const COMMON_OPTIONS = ['timeoutMs', 'maxLatencyMs', 'warnLatencyMs', 'maxReceivedBytes']

/**
 * Checks that a probe's options are an object (or absent), and returns them. Given the names
 * of the probe's own options, refuses any other name (a typo such as `statuss` would otherwise
 * be ignored, and the check would test something else than meant), suggesting the closest.
 *
 * @example
 * const { count = 3 } = checkOptions(options, ['count'])
 */
export function checkOptions<O extends object>(options: O | undefined, own?: readonly string[]): O {
  if (options === undefined) return {} as O
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw invalid('options', 'an object', options)
  if (own) checkKeys('options', options, [...own, ...COMMON_OPTIONS])
  return options
}

/**
 * Refuses any key of `value` that is not one of `known`, naming the closest: used for the
 * options themselves and for object options (`tls`).
 *
 * @example
 * checkKeys('tls', { rejectUnathorized: false }, ['rejectUnauthorized', 'ca'])
 * // throws: unknown tls option "rejectUnathorized" (did you mean rejectUnauthorized?)…
 */
export function checkKeys(name: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue
    const near = known.find((candidate) => distance(candidate.toLowerCase(), key.toLowerCase()) <= 2)
    const what = name === 'options' ? 'option' : `${name} option`
    throw new TargetError(`unknown ${what} ${describeValue(key)}${near ? ` (did you mean ${near}?)` : ''}: the ${what}s are ${known.join(', ')}`)
  }
}

/** Edit distance of two short names (options' names: a few dozen characters at most). */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2 || a.length > 64 || b.length > 64) return 3
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = row
  }
  return previous[b.length] ?? 3
}

/**
 * Validates a `timeoutMs` / `maxLatencyMs`-style option: a positive finite number of milliseconds.
 *
 * @example
 * const timeoutMs = checkDuration('timeoutMs', options.timeoutMs) ?? DEFAULT_TIMEOUT_MS
 */
export function checkDuration(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 2_147_483_647)
    throw invalid(name, 'a positive number of milliseconds', value)
  return value
}

/**
 * Validates a byte-count option such as `maxReceivedBytes`: a positive whole number.
 *
 * @example
 * const budget = checkBytes('maxReceivedBytes', options.maxReceivedBytes) ?? DEFAULT_MAX_RECEIVED_BYTES
 */
export function checkBytes(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw invalid(name, 'a positive whole number of bytes', value)
  return value
}

/**
 * Validates a whole number within bounds.
 *
 * @example
 * const count = checkInteger('count', options.count, 1, 100) ?? 3
 */
export function checkInteger(name: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw invalid(name, `a whole number from ${min} to ${max}`, value)
  return value
}

/**
 * Validates a number of days (0 or more, fractions allowed).
 *
 * @example
 * const minDaysLeft = checkDays('minDaysLeft', options.minDaysLeft) ?? 0
 */
export function checkDays(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid(name, 'a number of days (0 or more)', value)
  return value
}

/**
 * Validates a choice among fixed values.
 *
 * @example
 * const type = checkOneOf('type', options.type, ['A', 'AAAA']) ?? 'A'
 */
export function checkOneOf<T extends string>(name: string, value: unknown, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined
  if (!choices.includes(value as T)) throw invalid(name, `one of ${choices.join(', ')}`, value)
  return value as T
}

/**
 * Validates a boolean option.
 *
 * @example
 * const strict = checkBoolean('tls.rejectUnauthorized', options.tls?.rejectUnauthorized) ?? true
 */
export function checkBoolean(name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'boolean') throw invalid(name, 'true or false', value)
  return value
}

/**
 * Validates a DNS name option (a TLS `servername`): a name, not an IP literal.
 *
 * @example
 * const servername = checkDnsName('servername', options.servername)
 */
export function checkDnsName(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !isHostname(value) || isIP(value) !== 0) throw invalid(name, 'a DNS name', value)
  return value
}

/**
 * Validates a string, or a list of non-empty strings, and returns the list.
 *
 * @example
 * const includes = checkStrings('includes', options.includes) // 'a' → ['a'], undefined → []
 */
export function checkStrings(name: string, value: unknown): string[] {
  if (value === undefined) return []
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? [...value] : undefined
  if (!list) throw invalid(name, 'a string or a list of strings', value)
  for (const item of list) if (typeof item !== 'string' || item === '') throw invalid(name, 'a string or a list of non-empty strings', item)
  return list
}

/**
 * Validates an object option (such as `tls`), and returns it.
 *
 * @example
 * const tls = checkObject('tls', options.tls, '{ rejectUnauthorized, ca, servername }')
 */
export function checkObject<T extends object>(name: string, value: T | undefined, shape: string): T | undefined {
  if (value === undefined) return undefined
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(name, `an object (${shape})`, value)
  return value
}

/**
 * Validates trusted CA certificates (`ca`, `tls.ca`): PEM text (one or more certificates),
 * DER bytes, or a list of them, each of which parses as a certificate. A CA that is not one
 * would be ignored by TLS, and the check would fail against a good server for want of it.
 *
 * @example
 * const ca = checkCa('tls.ca', options.tls?.ca)
 */
export function checkCa<T>(name: string, value: T): T {
  if (value === undefined) return value
  const entries = Array.isArray(value) ? value : [value]
  if (entries.length === 0) throw new TargetError(`${name} must not be an empty list`)
  for (const entry of entries) {
    if (typeof entry !== 'string' && !Buffer.isBuffer(entry)) throw invalid(name, 'PEM text, a Buffer, or a list of them;', entry)
    const text = Buffer.isBuffer(entry) ? entry.toString('latin1') : entry
    const blocks = text.includes('-----BEGIN') ? text.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) : [entry]
    if (!blocks || blocks.length === 0) throw new TargetError(`${name} holds no certificate: expected PEM text (-----BEGIN CERTIFICATE-----)`)
    for (const block of blocks) {
      try {
        new X509Certificate(block)
      } catch {
        throw new TargetError(`${name} holds something that is not a certificate (PEM or DER): check the file it was read from`)
      }
    }
  }
  return value
}

/** Longest message a probe sends (`send`): 64 KiB. */
export const MAX_PAYLOAD_BYTES = 64 * 1024

/**
 * Validates a message a probe sends (`send`): text (sent as UTF-8) or bytes, at most
 * {@link MAX_PAYLOAD_BYTES}. Returns it with its size in bytes.
 *
 * @example
 * const send = checkPayload('send', options.send) // { data: 'PING\r\n', bytes: 6 }
 */
export function checkPayload(name: string, value: unknown): { data: string | Uint8Array; bytes: number } | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) throw invalid(name, 'text or bytes (a Buffer / Uint8Array)', value)
  const bytes = typeof value === 'string' ? Buffer.byteLength(value) : value.length
  if (bytes > MAX_PAYLOAD_BYTES) throw invalid(name, `at most ${formatBytes(MAX_PAYLOAD_BYTES)}`, formatBytes(bytes))
  return { data: value, bytes }
}

/** The limits every probe takes from its options: deadline, latency budget and warning threshold, byte budget. */
export interface Limits {
  timeoutMs: number
  maxLatencyMs?: number
  warnLatencyMs?: number
  /** Undefined: the scope's default. */
  maxReceivedBytes?: number
}

/**
 * Validates the options every probe shares ({@link ProbeOptions}).
 *
 * @example
 * const limits = checkLimits(options) // { timeoutMs: 5000, maxLatencyMs: 300 }
 */
export function checkLimits(options: ProbeOptions): Limits {
  const timeoutMs = checkDuration('timeoutMs', options.timeoutMs) ?? DEFAULT_TIMEOUT_MS
  const maxLatencyMs = checkDuration('maxLatencyMs', options.maxLatencyMs)
  const warnLatencyMs = checkDuration('warnLatencyMs', options.warnLatencyMs)
  const maxReceivedBytes = checkBytes('maxReceivedBytes', options.maxReceivedBytes)
  return {
    timeoutMs,
    ...(maxLatencyMs !== undefined && { maxLatencyMs }),
    ...(warnLatencyMs !== undefined && { warnLatencyMs }),
    ...(maxReceivedBytes !== undefined && { maxReceivedBytes }),
  }
}

/** A short rendering of an input value for error messages: secrets masked (even in URLs that do not parse), long strings cut. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    // redact first: a cut could split a secret from what identifies it
    const safe = redactInput(value)
    return JSON.stringify(safe.length > 80 ? `${safe.slice(0, 80)}…` : safe)
  }
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value instanceof RegExp) return String(value)
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}
