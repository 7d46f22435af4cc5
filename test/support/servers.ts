/**
 * Real servers for tests: a small HTTP(S) server with per-test routes, and raw TCP
 * servers that misbehave on purpose (accept then silence, reset, garbage, dribble).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createServer as createTcpServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Running {
  url: string
  port: number
  /** Sockets accepted so far. */
  connections: number
  close(): Promise<void>
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void

/** Starts an HTTP server (HTTPS when `tls` is given) on a free loopback port. */
export async function startHttp(handler: Handler, tls?: { key: string; cert: string }): Promise<Running> {
  const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler)
  return listen(server, tls ? 'https' : 'http')
}

/** Starts a raw TCP server whose every connection gets `onSocket` (its `url` says http://, for HTTP probes). */
export async function startTcp(onSocket: (socket: Socket) => void): Promise<Running> {
  const server = createTcpServer((socket) => {
    socket.on('error', () => {})
    // read and drop what the client sends, so that its FIN is seen and the socket closes
    socket.resume()
    onSocket(socket)
  })
  return listen(server, 'http')
}

/** A TCP server that accepts connections and never sends a byte (nor closes first). */
export function startSilent(): Promise<Running> {
  return startTcp(() => {})
}

/** A TCP server that answers every connection with `bytes` (then keeps it open). */
export function startGarbage(bytes = 'HELLO? \u0000\u0001\u0002 not your protocol\r\n'): Promise<Running> {
  return startTcp((socket) => socket.write(bytes))
}

async function listen(server: Server, scheme: string): Promise<Running> {
  const sockets = new Set<Socket>()
  const running: Running = {
    url: '',
    port: 0,
    connections: 0,
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
  server.on('connection', (socket: Socket) => {
    running.connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('secureConnection', (socket: Socket) => socket.on('error', () => {}))
  server.on('tlsClientError', () => {})
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  running.port = typeof address === 'object' && address ? address.port : 0
  running.url = `${scheme}://127.0.0.1:${running.port}`
  return running
}

/** A port on which nothing listens (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createTcpServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  return typeof address === 'object' && address ? address.port : 0
}

/** A self-signed certificate for `localhost` / 127.0.0.1, made with openssl. */
export function selfSignedCertificate(commonName = 'localhost'): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'prodcheck-cert-'))
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=${commonName}`,
        '-addext',
        `subjectAltName=DNS:${commonName},IP:127.0.0.1`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    )
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
