/**
 * `expect('host:port').toBeServingGrpc(options?)`: the gRPC server (or one of its services)
 * answers the standard health check with `SERVING`.
 *
 * @module
 */
import { formatMs } from '../src/core/text.ts'
import type { GrpcProbeOptions } from '../src/probes/grpc.ts'
import { defineMatcher } from './check.ts'

/**
 * Asserts that a gRPC server answers `grpc.health.v1.Health/Check` with `SERVING`, for the
 * server (default) or for `service`. `host:port` and `grpc://` are plain text, `grpcs://`
 * (or the `tls` option) TLS. Needs `@grpc/grpc-js` (an optional peer).
 *
 * @example
 * await expect('grpcs://orders.internal:443').toBeServingGrpc({ service: 'orders.v1.Orders', maxLatencyMs: 200 })
 */
export const toBeServingGrpc = defineMatcher({
  matcher: 'toBeServingGrpc',
  componentType: 'component',
  probe: () => import('../src/probes/grpc.ts').then((probes) => probes.probeGrpc),
  facts: (observed) => ({
    protocol: observed.tls ? 'grpcs' : 'grpc',
    ...(observed.address && { address: observed.address }),
    ...(observed.servingStatus && { servingStatus: observed.servingStatus }),
    ...(observed.grpcStatus !== undefined && { grpcStatus: observed.grpcStatus }),
  }),
  expected: (options: GrpcProbeOptions) =>
    `${options.service ? `service ${JSON.stringify(options.service)}` : 'the server'} SERVING (grpc.health.v1 Check)${options.maxLatencyMs === undefined ? '' : `, within ${formatMs(options.maxLatencyMs)}`}`,
})
