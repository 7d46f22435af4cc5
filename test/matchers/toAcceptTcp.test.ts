import { describe, expect, test } from 'vitest'
import { failureOf } from '../support/failure.ts'
import { freePort, startGarbage } from '../support/servers.ts'

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

describe('toAcceptTcp with send / expect', () => {
  test('a banner that matches passes; one that does not fails with what came; .not inverts', async () => {
    const ssh = await startGarbage('SSH-2.0-OpenSSH_9.6\r\n')
    try {
      await expect(`127.0.0.1:${ssh.port}`).toAcceptTcp({ expect: /^SSH-2\.0-/ })
      const message = await failureOf(expect(`127.0.0.1:${ssh.port}`).toAcceptTcp({ expect: /^220 /, timeoutMs: 300 }))
      expect(message.split('\n').slice(0, 3)).toEqual([
        `toAcceptTcp: 127.0.0.1:${ssh.port}`,
        '  expected  a TCP connection accepted, data matching /^220 / received',
        expect.stringMatching(
          new RegExp(
            `^ {2}observed {2}ETIMEDOUT: connected to 127\\.0\\.0\\.1:${ssh.port}, but received no data matching /\\^220 / within 300 ms; received "SSH-2\\.0-OpenSSH_9\\.6\\\\r\\\\n" \\(21 bytes\\) \\(after \\d+ ms\\)$`,
          ),
        ),
      ])
      await expect(`127.0.0.1:${ssh.port}`).not.toAcceptTcp({ expect: /^220 /, timeoutMs: 300 })
      await expect(expect(`127.0.0.1:${ssh.port}`).not.toAcceptTcp({ expect: 'SSH-2.0' })).rejects.toThrow(/every expectation held/)
    } finally {
      await ssh.close()
    }
  })

  test('Redis answers PING with +PONG', async () => {
    await expect('127.0.0.1:6379').toAcceptTcp({ send: 'PING\r\n', expect: '+PONG', maxLatencyMs: 1000 })
  })
})
