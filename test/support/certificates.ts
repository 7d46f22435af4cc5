/**
 * Certificates made at test time with node-forge (keys from Node's crypto, which is fast):
 * a private CA, and leaf certificates with any validity window and names — expired,
 * not yet valid, expiring soon, for the wrong host, or self-signed.
 */
import { generateKeyPairSync } from 'node:crypto'
import { createServer, type TLSSocket } from 'node:tls'
import forge from 'node-forge'
import type { Running } from './servers.ts'

export interface Issued {
  key: string
  cert: string
}

const DAY = 86_400_000

function keyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; pem: string } {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
  const forgeKey = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), pem: privateKey }
}

let serial = 1

function build(options: {
  cn: string
  altNames?: string[]
  notBefore: Date
  notAfter: Date
  isCa?: boolean
  issuer?: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey }
}): Issued & { forgeCert: forge.pki.Certificate; forgeKey: forge.pki.rsa.PrivateKey } {
  const keys = keyPair()
  const cert = forge.pki.createCertificate()
  cert.publicKey = keys.publicKey
  cert.serialNumber = (serial++).toString(16).padStart(4, '0')
  cert.validity.notBefore = options.notBefore
  cert.validity.notAfter = options.notAfter
  cert.setSubject([{ name: 'commonName', value: options.cn }])
  cert.setIssuer((options.issuer?.cert.subject ?? cert.subject).attributes)
  const extensions: object[] = [{ name: 'basicConstraints', cA: Boolean(options.isCa) }]
  if (options.isCa) extensions.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true })
  else {
    extensions.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true }, { name: 'extKeyUsage', serverAuth: true })
    extensions.push({
      name: 'subjectAltName',
      altNames: (options.altNames ?? [options.cn]).map((name) => (/^[\d.]+$/.test(name) ? { type: 7, ip: name } : { type: 2, value: name })),
    })
  }
  cert.setExtensions(extensions)
  cert.sign(options.issuer?.key ?? keys.privateKey, forge.md.sha256.create())
  return { key: keys.pem, cert: forge.pki.certificateToPem(cert), forgeCert: cert, forgeKey: keys.privateKey }
}

/** A private certificate authority that issues leaf certificates. */
export function createCa(name = 'prodcheck test CA'): {
  cert: string
  issue(options: { cn: string; altNames?: string[]; validFromDays?: number; validForDays?: number }): Issued
} {
  const now = Date.now()
  const ca = build({ cn: name, notBefore: new Date(now - 365 * DAY), notAfter: new Date(now + 3650 * DAY), isCa: true })
  return {
    cert: ca.cert,
    issue({ cn, altNames, validFromDays = -30, validForDays = 365 }) {
      const from = new Date(now + validFromDays * DAY)
      const leaf = build({
        cn,
        altNames,
        notBefore: from,
        notAfter: new Date(from.getTime() + validForDays * DAY),
        issuer: { cert: ca.forgeCert, key: ca.forgeKey },
      })
      return { key: leaf.key, cert: leaf.cert }
    },
  }
}

/** A self-signed leaf certificate. */
export function selfSigned(cn = 'localhost', altNames = ['localhost', '127.0.0.1']): Issued {
  const now = Date.now()
  const { key, cert } = build({ cn, altNames, notBefore: new Date(now - DAY), notAfter: new Date(now + 30 * DAY) })
  return { key, cert }
}

/** A TLS server presenting `issued` on a free loopback port; it answers nothing after the handshake. */
export async function startTls(issued: Issued): Promise<Running> {
  const sockets = new Set<TLSSocket>()
  const server = createServer({ key: issued.key, cert: issued.cert }, (socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('tlsClientError', () => {})
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `tls://127.0.0.1:${port}`,
    port,
    connections: 0,
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
