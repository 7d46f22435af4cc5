import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { failureOf } from '../support/failure.ts'

let server: SMTPServer
let port: number
beforeAll(async () => {
  server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === 'app' && auth.password === 'Mail-Pass-5') callback(null, { user: 'app' })
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }))
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.server.address() as { port: number }).port
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

describe('toAcceptMail', () => {
  test('passes with the right credentials', async () => {
    await expect(`smtp://app:Mail-Pass-5@127.0.0.1:${port}`).toAcceptMail()
  })

  test('fails wrong credentials with the reply code, password masked everywhere', async () => {
    const message = await failureOf(expect(`smtp://app:Wrong-Mail-6@127.0.0.1:${port}`).toAcceptMail())
    expect(message).toContain(`toAcceptMail: smtp://app:***@127.0.0.1:${port}`)
    expect(message).toContain('EAUTH: SMTP at 127.0.0.1:')
    expect(message).toContain('authentication failed: 535 Invalid username or password')
    expect(message).not.toContain('Wrong-Mail-6')
  })

  test('fails when TLS is required and not offered', async () => {
    const message = await failureOf(expect(`smtp://app:Mail-Pass-5@127.0.0.1:${port}`).toAcceptMail({ requireTls: true }))
    expect(message).toContain('expected  an SMTP session over TLS')
    expect(message).toMatch(/observed {2}ENOTLS: .* does not offer STARTTLS/)
  })
})
