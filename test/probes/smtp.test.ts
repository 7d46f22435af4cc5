import { SMTPServer, type SMTPServerOptions } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { TargetError } from '../../src/core/errors.ts'
import { probeSmtp } from '../../src/probes/smtp.ts'
import { createCa } from '../support/certificates.ts'
import { timed } from '../support/failure.ts'
import { watchHandles } from '../support/handles.ts'
import { freePort, type Running, startGarbage, startSilent } from '../support/servers.ts'

const ca = createCa()
const tls = ca.issue({ cn: 'localhost', altNames: ['localhost', '127.0.0.1'] })
const USER = 'app'
const PASSWORD = 'Mail-Pass-31'
const sessions: string[] = []

async function startSmtp(options: SMTPServerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const server = new SMTPServer({
    logger: false,
    onData(_stream, _session, callback) {
      sessions.push('DATA')
      callback(new Error('no mail expected'))
    },
    ...options,
  })
  server.on('error', () => {})
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as { port: number }).port
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

const onAuth: SMTPServerOptions['onAuth'] = (auth, _session, callback) => {
  if (auth.username === USER && auth.password === PASSWORD) callback(null, { user: USER })
  else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }))
}

let plain: { port: number; close(): Promise<void> }
let starttls: { port: number; close(): Promise<void> }
let implicit: { port: number; close(): Promise<void> }
beforeAll(async () => {
  plain = await startSmtp({ authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'] })
  starttls = await startSmtp({ key: tls.key, cert: tls.cert, onAuth })
  implicit = await startSmtp({ secure: true, key: tls.key, cert: tls.cert, onAuth })
})
afterAll(async () => {
  await Promise.all([plain?.close(), starttls?.close(), implicit?.close()])
})

describe('probeSmtp against real SMTP servers', () => {
  test('greets a server without TLS or AUTH, and closes', async () => {
    const handles = watchHandles()
    const result = await probeSmtp(`smtp://127.0.0.1:${plain.port}`)
    expect(result).toMatchObject({
      ok: true,
      summary: `SMTP server at 127.0.0.1:${plain.port} accepted the session (plain text, no AUTH)`,
      observed: { secure: false, authenticated: false },
    })
    expect(await handles.leaked()).toEqual([])
  })

  test('upgrades with STARTTLS and authenticates, sending no mail', async () => {
    const result = await probeSmtp(`smtp://${USER}:${PASSWORD}@localhost:${starttls.port}`, { tls: { ca: ca.cert } })
    expect(result.error).toBeUndefined()
    expect(result).toMatchObject({ ok: true, observed: { secure: true, authenticated: true } })
    expect(result.summary).toContain('(STARTTLS, authenticated)')
    expect(sessions).toEqual([])
  })

  test('speaks implicit TLS for smtps://, with credentials from the auth option', async () => {
    const result = await probeSmtp(`smtps://localhost:${implicit.port}`, { auth: { user: USER, pass: PASSWORD }, tls: { ca: ca.cert } })
    expect(result).toMatchObject({ ok: true, observed: { secure: true, authenticated: true } })
  })

  test('fails on wrong credentials with the reply code, never showing the password', async () => {
    const result = await probeSmtp(`smtp://${USER}:Wrong-Mail-77@localhost:${starttls.port}`, { tls: { ca: ca.cert } })
    expect(result.error).toMatchObject({
      code: 'EAUTH',
      message: `SMTP at localhost:${starttls.port}: authentication failed: 535 Invalid username or password`,
    })
    expect(result.error?.hint).toMatch(/rejected the credentials/)
    expect(result.target).toBe(`smtp://${USER}:***@localhost:${starttls.port}`)
    expect(JSON.stringify(result)).not.toContain('Wrong-Mail-77')
  })

  test('fails when TLS is required and the server offers no STARTTLS', async () => {
    const result = await probeSmtp(`smtp://127.0.0.1:${plain.port}`, { requireTls: true })
    expect(result.error).toMatchObject({
      code: 'ENOTLS',
      message: expect.stringMatching(new RegExp(`^127\\.0\\.0\\.1:${plain.port} does not offer STARTTLS`)),
    })
  })

  test('fails on a certificate it cannot trust', async () => {
    const result = await probeSmtp(`smtp://${USER}:${PASSWORD}@localhost:${starttls.port}`)
    expect(result.ok).toBe(false)
    expect(result.error?.code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED/)
    expect(result.error?.hint).toMatch(/tls\.ca|CA/)
  })
})

describe('probeSmtp against misbehaving peers', () => {
  const servers: Running[] = []
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()))
  })

  test('refused', async () => {
    expect((await probeSmtp(`smtp://127.0.0.1:${await freePort()}`)).error?.code).toBe('ECONNREFUSED')
  })

  test('accepts and never greets: fails within the deadline, leaving no socket', async () => {
    const silent = await startSilent()
    servers.push(silent)
    const handles = watchHandles()
    const { value: result, ms } = await timed(() => probeSmtp(`smtp://127.0.0.1:${silent.port}`, { timeoutMs: 400 }))
    expect(ms).toBeLessThan(480)
    expect(result.error).toMatchObject({ code: 'ETIMEDOUT', message: `no answer from 127.0.0.1:${silent.port} within 400 ms while connecting` })
    expect(await handles.leaked()).toEqual([])
  })

  test('speaks another protocol: says so', async () => {
    const garbage = await startGarbage('HTTP/1.1 400 Bad Request\r\n\r\n')
    servers.push(garbage)
    const result = await probeSmtp(`smtp://127.0.0.1:${garbage.port}`, { timeoutMs: 1000 })
    expect(result.error?.code).toBe('EPROTOCOL')
    expect(result.error?.hint).toMatch(/does not speak SMTP/)
  })
})

describe('probeSmtp input', () => {
  test.each([
    ['http://mail:25', {}, /has the scheme "http": expected an smtp:\/\/ or smtps:\/\/ URL/],
    ['smtp://mail:25', { auth: { user: 'u' } }, /auth must be \{ user: string, pass: string \}/],
  ])('rejects %j', async (target, options, message) => {
    const error = await probeSmtp(target, options as never).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TargetError)
    expect(String(error)).toMatch(message)
  })
})
