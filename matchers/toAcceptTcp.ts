/**
 * `expect('host:port').toAcceptTcp(options?)`: the port accepts a TCP connection from here
 * (and TLS, and answers `send` with what `expect` says, when asked).
 *
 * @module
 */
import { formatMs, plural } from '../src/core/text.ts'
import { describePattern } from '../src/core/pattern.ts'
import type { TcpProbeOptions } from '../src/probes/tcp.ts'
import { defineMatcher } from './check.ts'

/**
 * Asserts that `host:port` (IPv6 as `[::1]:6379`) accepts a TCP connection. Nothing is sent
 * unless `send` is given; with `expect`, the peer must send matching data (a banner, or the
 * answer to `send`).
 *
 * @example
 * await expect('db.internal:5432').toAcceptTcp({ maxLatencyMs: 50 })
 * await expect('bastion.internal:22').toAcceptTcp({ expect: /^SSH-2\.0-/ })
 * await expect('cache.internal:6379').toAcceptTcp({ send: 'PING\r\n', expect: '+PONG' })
 */
export const toAcceptTcp = defineMatcher({
  matcher: 'toAcceptTcp',
  componentType: 'system',
  probe: () => import('../src/probes/tcp.ts').then((probes) => probes.probeTcp),
  facts: (observed) => ({
    ...(observed.address && { address: observed.address }),
    ...(observed.tlsVersion && { protocol: observed.tlsVersion }),
  }),
  expected: (options) => describeTcpExpectation(options),
})

function describeTcpExpectation(options: TcpProbeOptions): string {
  const parts = [options.tls ? 'a TCP connection accepted, with TLS' : 'a TCP connection accepted']
  if (options.send !== undefined)
    parts.push(`then ${plural(typeof options.send === 'string' ? Buffer.byteLength(options.send) : options.send.length, 'byte')} sent`)
  if (options.expect !== undefined) parts.push(`data ${describePattern(options.expect)} received`)
  if (options.maxLatencyMs !== undefined) parts.push(`within ${formatMs(options.maxLatencyMs)}`)
  return parts.join(', ')
}
