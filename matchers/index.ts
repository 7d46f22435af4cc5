/**
 * The matcher table, for `expect.extend(matchers)` in Vitest and Jest.
 *
 * @module
 */
import { toAcceptMail } from './toAcceptMail.ts'
import { toAcceptTcp } from './toAcceptTcp.ts'
import { toAcceptWebSocket } from './toAcceptWebSocket.ts'
import { toBePingable } from './toBePingable.ts'
import { toBeServingGrpc } from './toBeServingGrpc.ts'
import { toConnectToBroker } from './toConnectToBroker.ts'
import { toConnectToDatabase } from './toConnectToDatabase.ts'
import { toHaveEnv } from './toHaveEnv.ts'
import { toHaveValidCertificate } from './toHaveValidCertificate.ts'
import { toResolveDns } from './toResolveDns.ts'
import { toRespondHttp } from './toRespondHttp.ts'
import { toSatisfyVersion } from './toSatisfyVersion.ts'

/**
 * Every prodcheck matcher, keyed by name.
 *
 * @example
 * import { expect } from 'vitest'
 * expect.extend(matchers)
 */
export const matchers = {
  toRespondHttp,
  toBePingable,
  toConnectToDatabase,
  toAcceptTcp,
  toResolveDns,
  toHaveValidCertificate,
  toAcceptMail,
  toConnectToBroker,
  toBeServingGrpc,
  toAcceptWebSocket,
  toHaveEnv,
  toSatisfyVersion,
}
