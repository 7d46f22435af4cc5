/**
 * The messages of the gRPC health checking protocol (grpc/grpc `doc/health-checking.md`),
 * encoded and decoded here: the package ships the protocol, so nothing loads a `.proto`
 * file at run time, and no protobuf library is needed for two one-field messages.
 *
 * ```proto
 * syntax = "proto3";
 * package grpc.health.v1;
 * message HealthCheckRequest { string service = 1; }
 * message HealthCheckResponse {
 *   enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
 *   ServingStatus status = 1;
 * }
 * service Health { rpc Check(HealthCheckRequest) returns (HealthCheckResponse); }
 * ```
 *
 * @module
 */

/** The method of the health check, as gRPC names it on the wire. */
export const HEALTH_CHECK_METHOD = '/grpc.health.v1.Health/Check'

import { SERVING_STATUSES } from '../core/check-record.ts'

/** A serving status: one of {@link SERVING_STATUSES}, or `UNKNOWN(7)` for a value this version does not know. */
export type ServingStatus = (typeof SERVING_STATUSES)[number] | `UNKNOWN(${number})`

/**
 * Encodes `HealthCheckRequest { service }` (the empty name: the server as a whole).
 *
 * @example
 * encodeHealthRequest('') // <Buffer > (every field at its default)
 * encodeHealthRequest('a') // <Buffer 0a 01 61>
 */
export function encodeHealthRequest(service: string): Buffer {
  if (service === '') return Buffer.alloc(0)
  const name = Buffer.from(service, 'utf8')
  return Buffer.concat([Buffer.from([0x0a]), varint(name.length), name])
}

/**
 * Decodes `HealthCheckResponse` into its serving status; unknown fields are skipped, as
 * protobuf asks. Throws on bytes that are not a protobuf message.
 *
 * @example
 * decodeHealthResponse(Buffer.from([0x08, 0x01])) // 'SERVING'
 * decodeHealthResponse(Buffer.alloc(0)) // 'UNKNOWN'
 */
export function decodeHealthResponse(bytes: Buffer): ServingStatus {
  let status = 0
  let at = 0
  while (at < bytes.length) {
    const [key, afterKey] = readVarint(bytes, at)
    at = afterKey
    const field = Math.floor(key / 8)
    const wire = key % 8
    if (wire === 0) {
      const [value, next] = readVarint(bytes, at)
      if (field === 1) status = value
      at = next
    } else if (wire === 1) at += 8
    else if (wire === 2) {
      const [length, next] = readVarint(bytes, at)
      at = next + length
    } else if (wire === 5) at += 4
    else throw new Error(`not a HealthCheckResponse: wire type ${wire}`)
    if (at > bytes.length) throw new Error('not a HealthCheckResponse: a field runs past the end')
  }
  return SERVING_STATUSES[status] ?? `UNKNOWN(${status})`
}

function varint(value: number): Buffer {
  const bytes: number[] = []
  let rest = value
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  bytes.push(rest)
  return Buffer.from(bytes)
}

/** A varint of at most 7 bytes (values up to 2^49: enough for a status or a length), and the offset after it. */
function readVarint(bytes: Buffer, start: number): [number, number] {
  let value = 0
  let scale = 1
  for (let at = start; at < bytes.length && at < start + 7; at++) {
    const byte = bytes[at] ?? 0
    value += (byte & 0x7f) * scale
    if (byte < 0x80) return [value, at + 1]
    scale *= 0x80
  }
  throw new Error('not a HealthCheckResponse: a varint is cut or too long')
}
