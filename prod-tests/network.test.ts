// Network reachability from this host. PING_HOST is a host that must answer ICMP.
import { expect, test } from 'vitest'

const PING_HOST = process.env.PING_HOST ?? '127.0.0.1'

test('gateway answers ping', { tags: ['diagnostic'] }, async () => {
  await expect(PING_HOST).toBePingable({ count: 2 })
})
