/**
 * `prodcheck/jest`, for Jest's `setupFilesAfterEnv`: registers the prodcheck matchers on
 * Jest's `expect`, brings their types (`expect` module and global `jest.Matchers`), and
 * raises the test timeout above the check deadline, so that a slow check fails with its
 * own message rather than "Exceeded timeout".
 *
 * ```js
 * // jest.config.js
 * module.exports = { testEnvironment: 'prodcheck/jest-environment', setupFilesAfterEnv: ['prodcheck/jest'] }
 * ```
 *
 * @module
 */
import { expect, jest } from '@jest/globals'
import { matchers } from '../../../matchers/index.ts'
import { TEST_TIMEOUT_MARGIN_MS } from '../../core/deadline.ts'
import { getRuntime } from '../runtime.ts'

export type { JestProdcheckMatchers } from '../../../matchers/jest-types.ts'

expect.extend(matchers as unknown as Parameters<typeof expect.extend>[0])
jest.setTimeout(getRuntime().timeoutMs + TEST_TIMEOUT_MARGIN_MS)
