/**
 * `expect('smtp://…').toAcceptMail(options?)`: the SMTP server greets, negotiates TLS and
 * accepts the credentials. Never sends a mail.
 *
 * @module
 */
import { defineMatcher } from './check.ts'

/**
 * Asserts that an SMTP server accepts a session: connect (TLS for smtps://), EHLO,
 * STARTTLS when offered (required with `requireTls`), AUTH with the URL's or `auth`'s
 * credentials. Nothing is sent.
 *
 * @example
 * await expect(process.env.SMTP_URL).toAcceptMail({ requireTls: true })
 */
export const toAcceptMail = defineMatcher({
  matcher: 'toAcceptMail',
  componentType: 'component',
  probe: () => import('../src/probes/smtp.ts').then((probes) => probes.probeSmtp),
  facts: (observed) => ({ protocol: observed.secure ? 'smtp+tls' : 'smtp' }),
  expected: (options) => `an SMTP session${options.requireTls ? ' over TLS' : ''}, with AUTH when credentials are given (no mail is sent)`,
})
