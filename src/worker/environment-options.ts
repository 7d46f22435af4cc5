/**
 * The options of prodcheck's test environments (Vitest's `environmentOptions.prodcheck`,
 * Jest's `testEnvironmentOptions.prodcheck`), validated.
 *
 * @module
 */
import { DEFAULT_TIMEOUT_MS } from '../core/deadline.ts'

/** `environmentOptions.prodcheck`. */
export interface ProdcheckEnvironmentOptions {
  /** Default deadline of every check, in ms. Default 5000. */
  timeoutMs?: number
}

/**
 * Reads and validates `environmentOptions.prodcheck`.
 *
 * @example
 * readEnvironmentOptions({ prodcheck: { timeoutMs: 2000 } }) // { timeoutMs: 2000 }
 */
export function readEnvironmentOptions(options: Record<string, unknown> | undefined): Required<ProdcheckEnvironmentOptions> {
  const own = (options?.prodcheck ?? {}) as ProdcheckEnvironmentOptions
  const timeoutMs = own.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(`environmentOptions.prodcheck.timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}`)
  }
  return { timeoutMs }
}
