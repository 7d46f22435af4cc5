/**
 * prodcheck: production healthchecks as ordinary test files.
 *
 * This entry is the probe API, for custom checks and `expect.poll`: each probe is a pure
 * function of (target, options, signal) that returns a {@link ProbeResult} and never
 * throws for a network outcome. The matchers live in `prodcheck/vitest`.
 *
 * @example
 * import { probeHttp } from 'prodcheck'
 * await expect.poll(async () => (await probeHttp('https://api.example.com/health')).ok, { timeout: 60_000 }).toBe(true)
 *
 * @module
 */
export type { ProbeError, ProbeOptions, ProbeResult } from './core/result.ts'
export { DEFAULT_TIMEOUT_MS } from './core/deadline.ts'
export { SetupError, TargetError } from './core/errors.ts'
export { redact, registerSecret } from './core/redact.ts'
export { type HttpObserved, type HttpProbeOptions, probeHttp, type StatusExpectation } from './probes/http.ts'
export { type PingObserved, type PingProbeOptions, probePing } from './probes/ping.ts'
export { type DatabaseObserved, type DatabaseProbeOptions, probeDatabase } from './probes/database.ts'
export { probePostgres } from './probes/postgres.ts'
export { probeMysql } from './probes/mysql.ts'
export { probeRedis } from './probes/redis.ts'
export { type TcpObserved, type TcpProbeOptions, probeTcp } from './probes/tcp.ts'
export { type DnsObserved, type DnsProbeOptions, type DnsRecordType, probeDns } from './probes/dns.ts'
export { type CertificateObserved, type CertificateProbeOptions, probeCertificate } from './probes/certificate.ts'
export { probeSmtp, type SmtpObserved, type SmtpProbeOptions } from './probes/smtp.ts'
export { type BrokerObserved, type BrokerProbeOptions, probeBroker } from './probes/broker.ts'
export { probeAmqp } from './probes/amqp.ts'
export { probeMqtt } from './probes/mqtt.ts'
export { probeNats } from './probes/nats.ts'
export { type GrpcObserved, type GrpcProbeOptions, probeGrpc } from './probes/grpc.ts'
export { probeWebSocket, type WebSocketObserved, type WebSocketProbeOptions } from './probes/websocket.ts'
export type { TlsOptions } from './core/tls-options.ts'
export { type EnvObserved, type EnvSpec, probeEnv } from './probes/env.ts'
export { probeVersion, type VersionObserved } from './probes/version.ts'
