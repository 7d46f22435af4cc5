/**
 * gRPC servers for the tests: one with the standard health service (`grpc-health-check`),
 * one without it (a server that implements nothing), in plain text or TLS.
 */
import * as grpc from '@grpc/grpc-js'
import { HealthImplementation } from 'grpc-health-check'

export interface GrpcServer {
  port: number
  /** Sets the status of a service (`''`: the server). */
  setStatus(service: string, status: 'SERVING' | 'NOT_SERVING' | 'UNKNOWN'): void
  close(): Promise<void>
}

/**
 * Starts a gRPC server on a free loopback port; with `statuses`, it has the health service
 * (`grpc-health-check`), else no service at all.
 *
 * @example
 * const server = await startGrpc({ '': 'SERVING', 'orders.v1.Orders': 'NOT_SERVING' })
 */
export async function startGrpc(
  statuses?: Record<string, 'SERVING' | 'NOT_SERVING' | 'UNKNOWN'>,
  tls?: { key: string; cert: string },
): Promise<GrpcServer> {
  const server = new grpc.Server()
  const health = statuses ? new HealthImplementation(statuses) : undefined
  health?.addToServer(server)
  const credentials = tls
    ? grpc.ServerCredentials.createSsl(null, [{ private_key: Buffer.from(tls.key), cert_chain: Buffer.from(tls.cert) }])
    : grpc.ServerCredentials.createInsecure()
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
  )
  return {
    port,
    setStatus: (service, status) => health?.setStatus(service, status),
    close: async () => server.forceShutdown(),
  }
}
