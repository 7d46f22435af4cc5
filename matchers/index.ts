/**
 * The matcher table, for `expect.extend(matchers)` in Vitest and Jest.
 *
 * @module
 */
import { toBePingable } from './toBePingable.ts'
import { toConnectToDatabase } from './toConnectToDatabase.ts'
import { toRespondHttp } from './toRespondHttp.ts'

/**
 * Every prodcheck matcher, keyed by name.
 *
 * @example
 * import { expect } from 'vitest'
 * expect.extend(matchers)
 */
export const matchers = { toRespondHttp, toBePingable, toConnectToDatabase }
