/**
 * The signatures of the prodcheck matchers, shared by the Vitest and Jest augmentations.
 *
 * @module
 */
import type { BrokerProbeOptions } from '../src/probes/broker.ts'
import type { CertificateProbeOptions } from '../src/probes/certificate.ts'
import type { DatabaseProbeOptions } from '../src/probes/database.ts'
import type { DnsProbeOptions } from '../src/probes/dns.ts'
import type { EnvSpec } from '../src/probes/env.ts'
import type { GrpcProbeOptions } from '../src/probes/grpc.ts'
import type { HttpProbeOptions } from '../src/probes/http.ts'
import type { PingProbeOptions } from '../src/probes/ping.ts'
import type { SmtpProbeOptions } from '../src/probes/smtp.ts'
import type { TcpProbeOptions } from '../src/probes/tcp.ts'
import type { WebSocketProbeOptions } from '../src/probes/websocket.ts'

/** The prodcheck matchers. The network ones are async and must be awaited; `toHaveEnv` and `toSatisfyVersion` are synchronous. */
export interface ProdcheckMatchers {
  /** The URL answers as expected (default: status 2xx after redirects) within the deadline. */
  toRespondHttp(options?: HttpProbeOptions): Promise<void>
  /** The host answers at least one ICMP echo request. */
  toBePingable(options?: PingProbeOptions): Promise<void>
  /** The DSN's server accepts a connection (and runs `query`). */
  toConnectToDatabase(options?: DatabaseProbeOptions): Promise<void>
  /** `host:port` accepts a TCP connection (and TLS; and answers `send` as `expect` says). */
  toAcceptTcp(options?: TcpProbeOptions): Promise<void>
  /** DNS resolves the name, with the expected records. */
  toResolveDns(options?: DnsProbeOptions): Promise<void>
  /** The server's certificate is trusted, valid now, for this name, and not about to expire. */
  toHaveValidCertificate(options?: CertificateProbeOptions): Promise<void>
  /** The SMTP server accepts a session (TLS, AUTH); no mail is sent. */
  toAcceptMail(options?: SmtpProbeOptions): Promise<void>
  /** The AMQP / MQTT / NATS broker accepts a connection. */
  toConnectToBroker(options?: BrokerProbeOptions): Promise<void>
  /** The gRPC server (or `service`) answers the standard health check (grpc.health.v1) with SERVING. */
  toBeServingGrpc(options?: GrpcProbeOptions): Promise<void>
  /** The URL accepts a WebSocket (101, a subprotocol offered; a matching message when asked). */
  toAcceptWebSocket(options?: WebSocketProbeOptions): Promise<void>
  /** The variables are present and valid (names reported, never values). Synchronous. */
  toHaveEnv(spec: EnvSpec): void
  /** The version satisfies the semver range. Synchronous. */
  toSatisfyVersion(range: string): void
}
