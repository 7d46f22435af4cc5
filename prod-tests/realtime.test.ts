// Services this host calls that speak no plain HTTP: a gRPC backend (the standard health
// check, as Kubernetes probes it) and a WebSocket endpoint (the upgrade, a subprotocol, and a
// round trip).
import { expect, test } from 'vitest'

test('the orders backend is serving', { tags: ['smoke'] }, async () => {
  await expect(process.env.GRPC_TARGET).toBeServingGrpc({ service: 'orders.v1.Orders', maxLatencyMs: 500 })
})

test('the events socket answers ping', { tags: ['diagnostic'] }, async () => {
  await expect(process.env.EVENTS_URL).toAcceptWebSocket({ protocols: ['events.v1'], send: 'ping', expectMessage: /^pong$/ })
})
