/**
 * A real DNS server (dns2, UDP) on a free loopback port, answering from a small zone:
 * name → { A: [...], MX: [...] …}. Names can also be made to fail: `rcode` answers with
 * that response code (NXDOMAIN, SERVFAIL, REFUSED), `silent` never answers.
 */
import dns2 from 'dns2'

const { Packet } = dns2
const TYPES = Packet.TYPE as Record<string, number>
const RCODES = (Packet as unknown as { RCODE: Record<string, number> }).RCODE

type RecordType = 'A' | 'AAAA' | 'CNAME' | 'MX' | 'TXT' | 'SRV'

/** Records of one name, by type, as dns2 resource fields; or a failure to answer with. */
export type ZoneEntry = { rcode?: 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED'; silent?: boolean } & { [type in RecordType]?: Array<Record<string, unknown>> }

export interface DnsServer {
  /** `127.0.0.1:port`, for the `servers` option. */
  address: string
  /** Queries received so far. */
  queries: number
  close(): Promise<void>
}

export async function startDns(zone: Record<string, ZoneEntry>): Promise<DnsServer> {
  const running = { address: '', queries: 0, close: async () => {} }
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      running.queries++
      const response = Packet.createResponseFromRequest(request)
      const question = request.questions[0]
      const entry = question ? zone[question.name] : undefined
      if (entry?.silent) return
      if (!entry) response.header.rcode = RCODES.NXDOMAIN ?? 3
      else if (entry.rcode) response.header.rcode = RCODES[entry.rcode] ?? 2
      else {
        const type = Object.keys(TYPES).find((name) => TYPES[name] === question?.type) as RecordType | undefined
        for (const fields of (type && entry[type]) || []) {
          response.answers.push({
            name: question?.name,
            type: question?.type,
            class: Packet.CLASS.IN,
            ttl: 60,
            ...fields,
          } as unknown as (typeof response.answers)[number])
        }
      }
      send(response)
    },
  })
  await server.listen({ udp: { port: 0, address: '127.0.0.1' } })
  running.address = `127.0.0.1:${(server.addresses() as unknown as { udp: { port: number } }).udp.port}`
  running.close = async () => {
    await server.close()
  }
  return running
}
