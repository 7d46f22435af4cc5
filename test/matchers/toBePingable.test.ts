import { describe, expect, test } from 'vitest'
import { failureOf } from '../support/failure.ts'

describe('toBePingable', () => {
  test('passes for a host that answers', async () => {
    await expect('127.0.0.1').toBePingable({ count: 1 })
  })

  test('fails with the expectation, the observation and a fix', async () => {
    const message = await failureOf(expect('no-such-host.invalid').toBePingable())
    expect(message).toMatch(
      /^toBePingable: no-such-host\.invalid\n {2}expected {2}a reply to at least 1 of 3 echo requests\n {2}observed {2}(ENOTFOUND|EAI_AGAIN): /,
    )
    expect(message).toMatch(/\n {2}fix {7}\S/)
  })

  test('fails over the latency budget, with packet counts', async () => {
    const message = await failureOf(expect('127.0.0.1').toBePingable({ count: 2, maxLatencyMs: 0.0001 }))
    expect(message).toContain('expected  a reply to at least 1 of 2 echo requests, average round trip within 0.00 ms')
    expect(message).toMatch(/failed {4}average round trip took [\d.]+ ms, over the latency budget/)
    expect(message).toContain('packets   2/2 received, 0% loss')
  })

  test('.not passes for a host that does not resolve, and fails for one that answers', async () => {
    await expect('no-such-host.invalid').not.toBePingable()
    expect(await failureOf(expect('127.0.0.1').not.toBePingable({ count: 1 }))).toMatch(/^not\.toBePingable: 127\.0\.0\.1\n {2}expected {2}not: /)
  })

  test('rejects a host with shell metacharacters, even under .not', async () => {
    await expect(expect('127.0.0.1; reboot').not.toBePingable()).rejects.toThrow(
      /^toBePingable: the target "127\.0\.0\.1; reboot" contains whitespace/,
    )
    await expect(expect('$(id)').toBePingable()).rejects.toThrow(/toBePingable: "\$\(id\)" is not a hostname or an IP address/)
  })
})
