/**
 * Type augmentation: the prodcheck matchers on Vitest's `expect`.
 *
 * Picked up by TypeScript through `prodcheck/vitest` (the setup file) or
 * `prodcheck/config` (which `vitest.config.ts` imports), or explicitly with
 * `"types": ["prodcheck/vitest"]` in tsconfig.json.
 *
 * @module
 */
import type { ProdcheckMatchers } from './signatures.ts'

export type { ProdcheckMatchers }

declare module 'vitest' {
  // Declared without type parameters on purpose: Vitest 4 declares `Matchers<T = any>`,
  // Vitest 5 `Matchers<R = …, T = unknown>`, and a merging declaration may omit defaulted
  // parameters, so this one merges with both.
  interface Matchers extends ProdcheckMatchers {}
}
