/**
 * Type augmentation: the prodcheck matchers on Jest's `expect` (Jest 30: the `expect`
 * module used by `@jest/globals`, and the global `jest.Matchers` of `@types/jest`).
 * Brought by `prodcheck/jest`, or `"types": ["prodcheck/jest"]` in tsconfig.json.
 *
 * @module
 */
import type { ProdcheckMatchers } from './signatures.ts'

/** The prodcheck matchers, as Jest declares matchers (R: what a sync matcher returns). */
export interface JestProdcheckMatchers<R> extends Omit<ProdcheckMatchers, 'toHaveEnv' | 'toSatisfyVersion'> {
  toHaveEnv(spec: Parameters<ProdcheckMatchers['toHaveEnv']>[0]): R
  toSatisfyVersion(range: string): R
}

declare module 'expect' {
  // must repeat the declaration of `expect` exactly to merge with it
  interface Matchers<R extends void | Promise<void>, T = unknown> extends JestProdcheckMatchers<R> {}
}

declare global {
  // @types/jest declares its matchers in this global namespace, as Matchers<R, T = {}>
  namespace jest {
    // biome-ignore lint/complexity/noBannedTypes: the declaration must repeat @types/jest's `T = {}` to merge with it
    interface Matchers<R, T = {}> extends JestProdcheckMatchers<R> {}
  }
}
