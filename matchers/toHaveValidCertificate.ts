/**
 * `expect('host[:port]').toHaveValidCertificate(options?)`: the TLS certificate the server
 * presents is trusted, valid now, for this name, and not about to expire.
 *
 * @module
 */
import type { CertificateObserved, CertificateProbeOptions } from '../src/probes/certificate.ts'
import { cutList, plural } from '../src/core/text.ts'
import { type MatcherContext, type MatcherResult, once, runCheck, withDefaultTimeout } from './check.ts'

// the probe (and the modules it needs) loads on first use: registering the matchers stays cheap
const load = once(() => import('../src/probes/certificate.ts'))

/**
 * Asserts that `host[:port]` (default port 443) or an https URL presents a certificate
 * that is trusted, valid now, issued for the host (or `servername`), and that expires in
 * at least `minDaysLeft` days. The message gives the expiry date and the days left.
 *
 * @example
 * await expect('api.example.com').toHaveValidCertificate({ minDaysLeft: 14 })
 */
export function toHaveValidCertificate(this: MatcherContext, target: unknown, options: CertificateProbeOptions = {}): Promise<MatcherResult> {
  return runCheck<CertificateObserved>(this, {
    matcher: 'toHaveValidCertificate',
    componentType: 'system',
    facts: (observed) => ({
      ...(observed.validTo && { notAfter: observed.validTo }),
      ...(observed.daysLeft !== undefined && { daysLeft: observed.daysLeft }),
      ...(observed.protocol && { protocol: observed.protocol }),
    }),
    budgetMs: options?.maxLatencyMs,
    expected: () =>
      `a trusted certificate, valid now, for ${options.servername ?? 'the host'}${options.minDaysLeft ? `, expiring in ${options.minDaysLeft} days or more` : ''}`,
    details: ({ observed }) =>
      observed.validTo
        ? [
            ['validity', `${observed.validFrom?.slice(0, 10)} → ${observed.validTo.slice(0, 10)} (${plural(observed.daysLeft ?? 0, 'day')} left)`],
            ['names', observed.altNames.length > 0 ? cutList(observed.altNames) : '(no subjectAltName)'],
          ]
        : [],
    probe: async (signal, timeoutMs) => (await load()).probeCertificate(target as string, withDefaultTimeout(options, timeoutMs), signal),
  })
}
