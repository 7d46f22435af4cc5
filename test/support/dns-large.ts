/**
 * A DNS server with answers too large for UDP: it answers every UDP query truncated (TC),
 * so that the resolver asks again over TCP, where it sends every TXT record of the zone in
 * one message (up to 64 KB: some 250 records of 255 characters). Written by hand, because the
 * answer is the point: nothing in it may be cut by the server.
 */
import { createSocket } from 'node:dgram'
import { createServer, type Socket } from 'node:net'

export interface LargeDns {
  /** `127.0.0.1:port`, for the `servers` option. */
  address: string
  close(): Promise<void>
}

/** The question of a query: its id, and the bytes of its question section. */
function question(query: Buffer): { id: number; question: Buffer } {
  let offset = 12
  while (offset < query.length && query[offset] !== 0) offset += (query[offset] ?? 0) + 1
  return { id: query.readUInt16BE(0), question: query.subarray(12, offset + 5) }
}

function header(id: number, flags: number, answers: number): Buffer {
  const h = Buffer.alloc(12)
  h.writeUInt16BE(id, 0)
  h.writeUInt16BE(flags, 2)
  h.writeUInt16BE(1, 4)
  h.writeUInt16BE(answers, 6)
  return h
}

function txtAnswer(text: string): Buffer {
  const data = Buffer.from(text, 'latin1')
  const rr = Buffer.alloc(12)
  rr.writeUInt16BE(0xc00c, 0) // the name: a pointer to the question
  rr.writeUInt16BE(16, 2) // TXT
  rr.writeUInt16BE(1, 4) // IN
  rr.writeUInt32BE(60, 6)
  rr.writeUInt16BE(data.length + 1, 10)
  return Buffer.concat([rr, Buffer.from([data.length]), data])
}

/** Starts the server, answering every TXT query with `records` (each at most 255 characters). */
export async function startLargeTxtDns(records: string[]): Promise<LargeDns> {
  const tcp = createServer((socket: Socket) => {
    socket.on('error', () => {})
    socket.once('data', (chunk) => {
      const { id, question: q } = question(chunk.subarray(2))
      const message = Buffer.concat([header(id, 0x8180, records.length), q, ...records.map(txtAnswer)])
      const length = Buffer.alloc(2)
      length.writeUInt16BE(message.length)
      socket.end(Buffer.concat([length, message]))
    })
  })
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))
  const port = (tcp.address() as { port: number }).port
  const udp = createSocket('udp4')
  udp.on('message', (query, peer) => {
    const { id, question: q } = question(query)
    udp.send(Buffer.concat([header(id, 0x8380, 0), q]), peer.port, peer.address) // TC: ask again over TCP
  })
  await new Promise<void>((resolve) => udp.bind(port, '127.0.0.1', resolve))
  return {
    address: `127.0.0.1:${port}`,
    async close() {
      udp.close()
      await new Promise((resolve) => tcp.close(resolve))
    },
  }
}
