/**
 * `expect('wss://…').toAcceptWebSocket(options?)`: the server completes the WebSocket
 * upgrade (with a subprotocol offered, when asked) and answers as expected.
 *
 * @module
 */
import { describePattern } from '../src/core/pattern.ts'
import { formatMs } from '../src/core/text.ts'
import type { WebSocketProbeOptions } from '../src/probes/websocket.ts'
import { defineMatcher } from './check.ts'

/**
 * Asserts that a `ws://` / `wss://` URL accepts a WebSocket: the upgrade (101) completes, the
 * server chooses one of `protocols` (when given), and, with `expectMessage`, a matching
 * message comes (after `send`, when given). The connection is then closed (1000).
 *
 * @example
 * await expect('wss://push.example.com/socket').toAcceptWebSocket({ protocols: ['v2.push'], send: '{"op":"ping"}', expectMessage: /"op":"pong"/ })
 */
export const toAcceptWebSocket = defineMatcher({
  matcher: 'toAcceptWebSocket',
  componentType: 'component',
  probe: () => import('../src/probes/websocket.ts').then((probes) => probes.probeWebSocket),
  facts: (observed) => ({
    ...(observed.status !== undefined && { httpStatus: observed.status }),
    ...(observed.protocol && { protocol: observed.protocol }),
  }),
  expected: (options: WebSocketProbeOptions) => describeWebSocketExpectation(options),
})

function describeWebSocketExpectation(options: WebSocketProbeOptions): string {
  const parts = ['upgrade to WebSocket (101)']
  const protocols = typeof options.protocols === 'string' ? [options.protocols] : (options.protocols ?? [])
  if (protocols.length > 0) parts.push(`subprotocol ${protocols.length === 1 ? protocols[0] : `one of ${protocols.join(', ')}`}`)
  if (options.send !== undefined) parts.push('a message sent')
  if (options.expectMessage !== undefined) parts.push(`a message ${describePattern(options.expectMessage)} received`)
  if (options.maxLatencyMs !== undefined) parts.push(`within ${formatMs(options.maxLatencyMs)}`)
  return parts.join(', ')
}
