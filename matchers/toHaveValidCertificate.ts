/**
 * `expect('host[:port]').toHaveValidCertificate(options?)`: the TLS certificate the server
 * presents is trusted, valid now, for this name, and not about to expire.
 *
 * @module
 */
import { cutList, plural } from '../src/core/text.ts'
import { defineMatcher } from './check.ts'

/**
 * Asserts that `host[:port]` (default port 443) or an https URL presents a certificate
 * that is trusted, valid now, issued for the host (or `servername`), and that expires in
 * at least `minDaysLeft` days. The message gives the expiry date and the days left.
 *
 * @example
 * await expect('api.example.com').toHaveValidCertificate({ minDaysLeft: 14 })
 */
export const toHaveValidCertificate = defineMatcher({
  matcher: 'toHaveValidCertificate',
  componentType: 'system',
  probe: () => import('../src/probes/certificate.ts').then((probes) => probes.probeCertificate),
  facts: (observed) => ({
    notAfter: observed.validTo,
    daysLeft: observed.daysLeft,
    earliestNotAfter: observed.chainValidTo,
    protocol: observed.protocol,
    subject: observed.subjectName,
    issuer: observed.issuerName,
    serial: observed.serialNumber,
    // lower-case hex without separators, as blackbox_exporter's `fingerprint_sha256` label
    fingerprintSha256: observed.fingerprint256?.replace(/:/g, '').toLowerCase(),
  }),
  expected: (options) =>
    `a trusted certificate, valid now, for ${options.servername ?? 'the host'}${options.minDaysLeft ? `, expiring in ${options.minDaysLeft} days or more` : ''}`,
  details: ({ observed }) =>
    observed.validTo
      ? [
          ['validity', `${observed.validFrom?.slice(0, 10)} → ${observed.validTo.slice(0, 10)} (${plural(observed.daysLeft ?? 0, 'day')} left)`],
          ['names', observed.altNames.length > 0 ? cutList(observed.altNames) : '(no subjectAltName)'],
        ]
      : [],
})
