/**
 * `expect('smtp://…').toAcceptMail(options?)`: the SMTP server greets, negotiates TLS and
 * accepts the credentials. Never sends a mail.
 *
 * @module
 */
import type { SmtpObserved, SmtpProbeOptions } from '../src/probes/smtp.ts'
import { type MatcherContext, type MatcherResult, once, runCheck, withDefaultTimeout } from './check.ts'

// the probe (and the modules it needs) loads on first use: registering the matchers stays cheap
const load = once(() => import('../src/probes/smtp.ts'))

/**
 * Asserts that an SMTP server accepts a session: connect (TLS for smtps://), EHLO,
 * STARTTLS when offered (required with `requireTls`), AUTH with the URL's or `auth`'s
 * credentials. Nothing is sent.
 *
 * @example
 * await expect(process.env.SMTP_URL).toAcceptMail({ requireTls: true })
 */
export function toAcceptMail(this: MatcherContext, target: unknown, options: SmtpProbeOptions = {}): Promise<MatcherResult> {
  return runCheck<SmtpObserved>(this, {
    matcher: 'toAcceptMail',
    componentType: 'component',
    facts: (observed) => ({ protocol: observed.secure ? 'smtp+tls' : 'smtp' }),
    budgetMs: options?.maxLatencyMs,
    expected: () => `an SMTP session${options.requireTls ? ' over TLS' : ''}, with AUTH when credentials are given (no mail is sent)`,
    probe: async (signal, timeoutMs) => (await load()).probeSmtp(target as string, withDefaultTimeout(options, timeoutMs), signal),
  })
}
