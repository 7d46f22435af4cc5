/**
 * Type augmentation: the prodcheck matchers on Vitest's `expect`.
 *
 * Picked up by TypeScript through `prodcheck/vitest` (the setup file) or
 * `prodcheck/config` (which `vitest.config.ts` imports), or explicitly with
 * `"types": ["prodcheck/vitest"]` in tsconfig.json.
 *
 * @module
 */
import type { DatabaseProbeOptions } from '../src/probes/database.ts'
import type { HttpProbeOptions } from '../src/probes/http.ts'
import type { PingProbeOptions } from '../src/probes/ping.ts'

/** The prodcheck matchers; each is async and must be awaited. */
export interface ProdcheckMatchers {
  /** The URL answers as expected (default: status 2xx after redirects) within the deadline. */
  toRespondHttp(options?: HttpProbeOptions): Promise<void>
  /** The host answers at least one ICMP echo request. */
  toBePingable(options?: PingProbeOptions): Promise<void>
  /** The DSN's server accepts a connection (and runs `query`). */
  toConnectToDatabase(options?: DatabaseProbeOptions): Promise<void>
}

declare module 'vitest' {
  // Declared without type parameters on purpose: Vitest 4 declares `Matchers<T = any>`,
  // Vitest 5 `Matchers<R = …, T = unknown>`, and a merging declaration may omit defaulted
  // parameters, so this one merges with both.
  interface Matchers extends ProdcheckMatchers {}
}
