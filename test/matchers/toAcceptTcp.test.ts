import { describe, expect, test } from 'vitest'
import { failureOf } from '../support/failure.ts'
import { freePort } from '../support/servers.ts'

describe('toAcceptTcp', () => {
  test('passes for an open port, IPv4 and IPv6', async () => {
    await expect('127.0.0.1:5432').toAcceptTcp()
    await expect('[::1]:6379').toAcceptTcp({ maxLatencyMs: 1000 })
  })

  test('fails a closed port with the cause and a fix; .not passes it', async () => {
    const port = await freePort()
    const message = await failureOf(expect(`127.0.0.1:${port}`).toAcceptTcp())
    expect(message).toMatch(
      new RegExp(
        `^toAcceptTcp: 127\\.0\\.0\\.1:${port}\\n {2}expected {2}a TCP connection accepted\\n {2}observed {2}ECONNREFUSED: connection refused by 127\\.0\\.0\\.1:${port} \\(after [\\d.]+ ms\\)\\n {2}fix {7}nothing is listening there`,
      ),
    )
    await expect(`127.0.0.1:${port}`).not.toAcceptTcp()
  })

  test('rejects a target without a port', async () => {
    await expect(expect('db.internal').toAcceptTcp()).rejects.toThrow(
      'toAcceptTcp: "db.internal" has no port: expected host:port (e.g. "db.internal:5432")',
    )
  })
})
