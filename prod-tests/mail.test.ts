// Can this host hand mail to its relay, encrypted and authenticated? (Nothing is sent.)
import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'

// a private CA signs the relay's certificate here; with a public CA, drop the tls option
const tls = process.env.TLS_CA_FILE ? { ca: readFileSync(process.env.TLS_CA_FILE) } : undefined

test('mail relay accepts our credentials over TLS', { tags: ['diagnostic'] }, async () => {
  await expect(process.env.SMTP_URL).toAcceptMail({ requireTls: true, tls })
})
