/**
 * Peers that send without end, each in the shape its protocol's client buffers whole
 * before it can parse anything: an endless PostgreSQL ErrorResponse, MySQL 16 MB
 * multi-packets, a Redis `$500000000` bulk reply, an AMQP frame of 2 GB, an MQTT packet
 * of 256 MB, a NATS INFO line with no end, an SMTP greeting that never ends, HTTP headers
 * or a body without end. They write as fast as the socket drains, until it closes.
 */
import { createHash } from 'node:crypto'
import type { Socket } from 'node:net'
import { type Running, startTcp } from './servers.ts'

/** Writes `head` once, then `chunk` again and again as fast as the peer reads, until the socket closes. */
function pour(socket: Socket, head: Uint8Array | string, chunk: Uint8Array): void {
  let open = true
  socket.on('close', () => (open = false))
  socket.on('error', () => (open = false))
  const pump = (): void => {
    while (open && socket.write(chunk)) {
      // keep writing while the kernel takes it
    }
    if (open) socket.once('drain', pump)
  }
  socket.write(head)
  pump()
}

const FILL = Buffer.alloc(64 * 1024, 'A')

/** Starts pouring when the client has sent its first bytes (protocols where the client speaks first). */
function afterFirstBytes(head: Uint8Array | string, chunk: Uint8Array = FILL): Promise<Running> {
  return startTcp((socket) => socket.once('data', () => pour(socket, head, chunk)))
}

/** Starts pouring at once (protocols where the server speaks first). */
function atOnce(head: Uint8Array | string, chunk: Uint8Array = FILL): Promise<Running> {
  return startTcp((socket) => pour(socket, head, chunk))
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}

/** Completes a WebSocket upgrade (RFC 6455 §4.2.2), then pours `head` and `chunk` as frames of its own making. */
function afterUpgrade(head: Uint8Array, chunk: Uint8Array = FILL): Promise<Running> {
  return startTcp((socket) =>
    socket.once('data', (request) => {
      const key = /sec-websocket-key: *(\S+)/i.exec(request.toString('latin1'))?.[1] ?? ''
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`)
      pour(socket, head, chunk)
    }),
  )
}

/** The floods, by protocol: each is (variant name, how to start it). */
export const FLOODS: Record<string, Array<[string, () => Promise<Running>]>> = {
  postgres: [
    // 'E' with a length of 2 GB: pg buffers until the message is whole
    ['one endless ErrorResponse', () => afterFirstBytes(Buffer.concat([Buffer.from('E'), int32(0x7ffffff0), Buffer.from('SERROR\0')]))],
    // complete ErrorResponses, one after the other, forever
    [
      'ErrorResponses without end',
      () => afterFirstBytes('', repeat(Buffer.concat([Buffer.from('E'), int32(4 + 26), Buffer.from('SERROR\0CXX000\0Mboom boom\0\0')]), 64 * 1024)),
    ],
  ],
  mysql: [
    // a greeting announced as 16 MB packets, continued forever (multi-packet)
    ['a greeting of 16 MB multi-packets', () => atOnce(Buffer.from([0xff, 0xff, 0xff, 0x00]), FILL)],
  ],
  redis: [
    ['a $500000000 bulk reply', () => afterFirstBytes('$500000000\r\n')],
    ['an array of 100 million items', () => afterFirstBytes('*100000000\r\n', repeat(Buffer.from('$1\r\nx\r\n'), 64 * 1024))],
  ],
  amqp: [
    // after the protocol header: a method frame announcing 2 GB
    ['a frame of 2 GB', () => afterFirstBytes(Buffer.concat([Buffer.from([1, 0, 0]), int32(0x7ffffff0)]))],
  ],
  mqtt: [
    // a CONNACK whose remaining length is the largest there is (256 MB)
    ['a packet of 256 MB', () => afterFirstBytes(Buffer.from([0x20, 0xff, 0xff, 0xff, 0x7f]))],
    // tiny packets without end, each parsed by the driver: CPU, not memory (PINGRESP, 2 bytes; PUBACK, 4)
    ['PINGRESP packets without end', () => afterFirstBytes('', repeat(Buffer.from([0xd0, 0x00]), 64 * 1024))],
    ['PUBACK packets without end', () => afterFirstBytes('', repeat(Buffer.from([0x40, 0x02, 0x00, 0x01]), 64 * 1024))],
  ],
  nats: [
    ['an INFO line without end', () => atOnce('INFO {"server_id":"')],
    [
      'INFO, then lines without end',
      () => atOnce('INFO {"server_id":"x","version":"2.10.0","max_payload":1048576}\r\n', repeat(Buffer.from('-ERR flood\r\n'), 64 * 1024)),
    ],
    [
      'INFO, then PING without end',
      () => atOnce('INFO {"server_id":"x","version":"2.10.0","max_payload":1048576}\r\n', repeat(Buffer.from('PING\r\n'), 64 * 1024)),
    ],
  ],
  smtp: [
    ['a greeting without end', () => atOnce('220 ')],
    ['a multiline greeting without end', () => atOnce('', repeat(Buffer.from('220-flood\r\n'), 64 * 1024))],
    ['short lines without end after the greeting', () => atOnce('220 hi\r\n', repeat(Buffer.from('250-x\r\n'), 64 * 1024))],
  ],
  websocket: [
    // a binary frame announcing 2^62 bytes, then its "payload" without end
    ['a message of 2^62 bytes', () => afterUpgrade(Buffer.from([0x82, 127, 0x40, 0, 0, 0, 0, 0, 0, 0]))],
    // text frames of 4 bytes without end: one event each, in the client
    ['tiny messages without end', () => afterUpgrade(Buffer.alloc(0), repeat(Buffer.from([0x81, 0x04, 0x74, 0x69, 0x63, 0x6b]), 64 * 1024))],
  ],
  grpc: [
    // what the client sends first is the HTTP/2 preface: the answer is no HTTP/2 at all
    ['bytes that are not HTTP/2, without end', () => afterFirstBytes('')],
  ],
  http: [
    [
      'headers without end',
      () => afterFirstBytes('HTTP/1.1 200 OK\r\n', repeat(Buffer.from('X-Flood: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'), 64 * 1024)),
    ],
    [
      'a chunked body without end',
      () =>
        afterFirstBytes(
          'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
          Buffer.concat([Buffer.from('10000\r\n'), FILL, Buffer.from('\r\n')]),
        ),
    ],
    ['a body longer than its length says', () => afterFirstBytes('HTTP/1.1 200 OK\r\nContent-Length: 10000000000\r\n\r\n')],
    // interim responses without end, and 1-byte chunks without end: each costs a parse
    ['100 Continue without end', () => afterFirstBytes('', repeat(Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'), 64 * 1024))],
    ['103 Early Hints without end', () => afterFirstBytes('', repeat(Buffer.from('HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n'), 64 * 1024))],
    [
      '1-byte chunks without end',
      () => afterFirstBytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', repeat(Buffer.from('1\r\na\r\n'), 64 * 1024)),
    ],
  ],
}

/** `unit` repeated to about `size` bytes. */
function repeat(unit: Uint8Array, size: number): Uint8Array {
  return Buffer.concat(Array(Math.max(1, Math.floor(size / unit.length))).fill(unit))
}
