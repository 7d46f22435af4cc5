/**
 * gRPC probe: the standard health checking protocol, `grpc.health.v1.Health/Check`, on
 * `@grpc/grpc-js` (an optional peer, loaded on first use). Passes on `SERVING`.
 *
 * Every check has a channel of its own (`grpc.use_local_subchannel_pool`: grpc-js would
 * otherwise share connections between channels), with no retries, and closes it. The
 * messages are encoded here (`grpc-health-proto.ts`): no `.proto` is loaded at run time.
 *
 * grpc-js reports a connection that failed as `UNAVAILABLE` with a sentence; the probe
 * reads the cause (refused, reset, a TLS verification error) on the sockets of its scope,
 * so that the error is the network's, with its code and hint, as in every probe.
 *
 * @module
 */
import { X509Certificate } from 'node:crypto'
import type { Socket } from 'node:net'
import type * as Grpc from '@grpc/grpc-js'
import { importDriver, once } from '../core/drivers.ts'
import { TargetError } from '../core/errors.ts'
import { noConnection, noTlsHandshake, runExchange, type Step } from '../core/exchange.ts'
import { describeNetworkError } from '../core/network-errors.ts'
import { HANDSHAKE_MAX_RECEIVED_BYTES } from '../core/probe-scope.ts'
import type { ProbeError, ProbeOptions, ProbeResult } from '../core/result.ts'
import { formatHostPort, parseHostPort } from '../core/targets.ts'
import { formatMs, peerText } from '../core/text.ts'
import { checkTlsOptions, type TlsOptions } from '../core/tls-options.ts'
import { checkLimits, checkOptions, invalid } from '../core/validate.ts'
import { decodeHealthResponse, encodeHealthRequest, HEALTH_CHECK_METHOD, type ServingStatus } from './grpc-health-proto.ts'

const loadGrpc = once(() => import('@grpc/grpc-js'))
/** Longest health response accepted: the message is two bytes. */
const MAX_RESPONSE_BYTES = 4096

/** Options of {@link probeGrpc}. */
export interface GrpcProbeOptions extends ProbeOptions {
  /** The service whose health is asked (`grpc.health.v1.HealthCheckRequest.service`). Default `''`: the server as a whole. */
  service?: string
  /** TLS (`grpcs://` implies it): `true` for the defaults, or `{ ca, servername, rejectUnauthorized }`. */
  tls?: boolean | TlsOptions
}

/** What {@link probeGrpc} observed. */
export interface GrpcObserved {
  host: string
  port: number
  /** Whether the channel spoke TLS. */
  tls: boolean
  /** The service asked about (`''`: the server). */
  service: string
  /** The serving status the server answered. */
  servingStatus?: ServingStatus
  /** The gRPC status code of the call (0 OK, 5 NOT_FOUND, 12 UNIMPLEMENTED…), when the server answered. */
  grpcStatus?: number
  /** The address connected to. */
  address?: string
}

/**
 * Asks a gRPC server whether it (or `service`) is serving, with the standard health check.
 *
 * @example
 * const result = await probeGrpc('grpcs://orders.internal:443', { service: 'orders.v1.Orders' })
 * console.log(result.ok, result.observed.servingStatus)
 */
export async function probeGrpc(target: string, options: GrpcProbeOptions = {}, signal?: AbortSignal): Promise<ProbeResult<GrpcObserved>> {
  const checked = checkOptions(options, ['service', 'tls'])
  const limits = checkLimits(checked)
  const service = checkService(checked.service)
  const scheme = /^grpcs?:\/\//i.test(String(target)) ? String(target).slice(0, String(target).indexOf(':')).toLowerCase() : undefined
  const { host, port } = parseHostPort(target, { what: 'host:port, grpc://host:port or grpcs://host:port', schemes: ['grpc:', 'grpcs:'] })
  const tlsOption = checkTlsOptions(checked.tls, { allowBoolean: true })
  if (scheme === 'grpc' && tlsOption) throw new TargetError('a grpc:// target is plain text: use grpcs:// (or host:port) with the tls option')
  const tls = scheme === 'grpcs' ? (tlsOption ?? {}) : tlsOption
  const where = formatHostPort({ host, port })
  const shown = scheme ? `${scheme}://${where}` : where
  const observed: GrpcObserved = { host, port, tls: tls !== undefined, service }
  const grpc = await importDriver(loadGrpc, '@grpc/grpc-js', 'grpc://')
  let client: Grpc.Client | undefined
  let call: Grpc.ClientUnaryCall | undefined
  let socketError: Error | undefined
  return runExchange(
    { where, target: shown, limits, observed, signal, defaultReceiveBudget: HANDSHAKE_MAX_RECEIVED_BYTES },
    {
      exchange: async (step) => {
        watchSockets(step, tls !== undefined, observed, (error) => {
          socketError ??= error
        })
        client = new grpc.Client(where, credentials(grpc, tls), channelOptions(tls))
        const remaining = Math.max(1, limits.timeoutMs - step.deadline.elapsed())
        const answer = new Promise<ServingStatus>((resolve, reject) => {
          call = client?.makeUnaryRequest(
            HEALTH_CHECK_METHOD,
            encodeHealthRequest,
            (bytes: Buffer) => decodeHealthResponse(bytes),
            service,
            new grpc.Metadata(),
            // our deadline ends the check; grpc-js's own only backs it up
            { deadline: Date.now() + remaining + 1000 },
            (error, status) => (error ? reject(error) : resolve(status as ServingStatus)),
          )
        })
        step.deadline.aborted.catch(() => call?.cancel())
        try {
          observed.servingStatus = await step.race(answer)
          observed.grpcStatus = grpc.status.OK
        } catch (error) {
          const code = (error as { code?: unknown }).code
          if (typeof code === 'number') observed.grpcStatus = code
          throw error
        }
      },
      timeout: (step) =>
        step.phase === 'connect'
          ? noConnection(where, limits.timeoutMs)
          : step.phase === 'tls'
            ? noTlsHandshake(where, limits.timeoutMs)
            : {
                code: 'ETIMEDOUT',
                message: `no answer to the gRPC health check from ${shown} within ${formatMs(limits.timeoutMs)}`,
                hint: 'the port accepts connections but does not answer gRPC (HTTP/2) in time: is it the gRPC port, plain text or TLS as the target says, and is the server overloaded?',
              },
      describe: (caught) => describeGrpcError(grpc, caught, shown, where, service, socketError),
      close: () => {
        call?.cancel()
        client?.close()
      },
      failures: () =>
        observed.servingStatus === 'SERVING'
          ? []
          : [
              `${service ? `service ${JSON.stringify(service)}` : 'the server'} is ${observed.servingStatus}, expected SERVING${observed.servingStatus === 'SERVICE_UNKNOWN' ? ' (the server does not know this service name)' : ''}`,
            ],
      summary: () => `${service ? `${service}: ` : ''}${observed.servingStatus ?? 'no status'}`,
    },
  )
}

/** Moves the phases on as the channel's sockets connect, and keeps their first error (the cause behind UNAVAILABLE). */
function watchSockets(step: Step, tls: boolean, observed: GrpcObserved, onError: (error: Error) => void): void {
  const waiting = `waiting for the answer to ${HEALTH_CHECK_METHOD}`
  step.scope.watch((socket: Socket) => {
    socket.once('error', onError)
    socket.once('connect', () => {
      observed.address ??= socket.remoteAddress
      if (step.phase === 'connect') step.enter(tls ? 'tls' : 'query', tls ? 'TLS handshake' : waiting)
    })
    socket.once('secureConnect', () => {
      if (step.phase !== 'query') step.enter('query', waiting)
    })
  })
}

function credentials(grpc: typeof Grpc, tls: TlsOptions | undefined): Grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure()
  const ca = tls.ca === undefined ? null : Buffer.concat((Array.isArray(tls.ca) ? tls.ca : [tls.ca]).map(toPem))
  return grpc.credentials.createSsl(ca, null, null, tls.rejectUnauthorized === false ? { rejectUnauthorized: false } : {})
}

/** A CA as PEM (grpc-js takes PEM only; `tls.ca` may be DER). */
function toPem(ca: string | Buffer): Buffer {
  if (typeof ca === 'string') return Buffer.from(`${ca.trim()}\n`)
  if (ca.includes('-----BEGIN')) return Buffer.concat([ca, Buffer.from('\n')])
  return Buffer.from(new X509Certificate(ca).toString())
}

function channelOptions(tls: TlsOptions | undefined): Grpc.ChannelOptions {
  return {
    // a connection of its own, as every check (docs/decisions/0001)
    'grpc.use_local_subchannel_pool': 1,
    'grpc.enable_retries': 0,
    'grpc.max_receive_message_length': MAX_RESPONSE_BYTES,
    'grpc.max_send_message_length': MAX_RESPONSE_BYTES,
    'grpc.service_config_disable_resolution': 1,
    ...(tls?.servername !== undefined && { 'grpc.ssl_target_name_override': tls.servername, 'grpc.default_authority': tls.servername }),
  }
}

function describeGrpcError(
  grpc: typeof Grpc,
  caught: unknown,
  shown: string,
  where: string,
  service: string,
  socketError: Error | undefined,
): ProbeError {
  const code = (caught as { code?: unknown }).code
  if (typeof code !== 'number') return describeNetworkError(caught, where)
  const details = peerText(String((caught as { details?: unknown }).details ?? ''), 200)
  const name = grpc.status[code] ?? `STATUS_${code}`
  const named = service ? `service ${JSON.stringify(service)}` : 'the server'
  switch (code) {
    case grpc.status.UNIMPLEMENTED:
      return {
        code: name,
        message: `${shown} has no gRPC health service: ${HEALTH_CHECK_METHOD} is UNIMPLEMENTED`,
        hint: 'register the standard health service (grpc.health.v1.Health) in the server, or check this service another way (toAcceptTcp)',
      }
    case grpc.status.NOT_FOUND:
      return {
        code: name,
        message: `${shown} does not know ${named} (NOT_FOUND: SERVICE_UNKNOWN)`,
        hint: 'the health service has no status for this name: check `service` (the full name, e.g. package.v1.Service) against what the server registers',
      }
    case grpc.status.UNAUTHENTICATED:
    case grpc.status.PERMISSION_DENIED:
      return {
        code: 'EAUTH',
        message: `${shown} refused the health check (${name}${details ? `: ${details}` : ''})`,
        hint: 'the server wants credentials or a client certificate for its health service: allow the health check without them, as Kubernetes probes need',
      }
    case grpc.status.UNAVAILABLE:
      // the socket's own error says why (refused, reset, TLS), unless it is HTTP/2 failing on a peer that does not speak it
      if (socketError && !String((socketError as { code?: unknown }).code ?? '').startsWith('ERR_HTTP2'))
        return describeNetworkError(socketError, where)
      return {
        code: 'EPROTOCOL',
        message: `${shown} accepted the connection, but gRPC (HTTP/2) did not start on it (UNAVAILABLE)`,
        hint: 'the connection opened but gRPC did not start: is this a gRPC (HTTP/2) port, and does it speak TLS (grpcs://) or plain text (grpc://) as the target says?',
      }
    case grpc.status.RESOURCE_EXHAUSTED:
      return {
        code: 'ETOOLARGE',
        message: `${shown} sent a health response larger than ${MAX_RESPONSE_BYTES} bytes`,
        hint: 'no health service answers that much: is this the service you meant?',
      }
    default:
      return {
        code: name,
        message: `${shown} answered the health check with ${name}${details ? `: ${details}` : ''}`,
        hint: "the server's health service failed: check the server's logs",
      }
  }
}

function checkService(value: unknown): string {
  if (value === undefined) return ''
  if (typeof value !== 'string' || value.length > 512 || /[\u0000-\u001f\u007f-\u009f]/.test(value))
    throw invalid('service', 'a service name (e.g. "orders.v1.Orders"; "" for the server), at most 512 characters, no control characters', value)
  return value
}
