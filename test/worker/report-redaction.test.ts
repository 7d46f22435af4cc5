import { describe, expect, test } from 'vitest'
import { registerSecret } from '../../src/core/redact.ts'
import { redactTask, redactWorkerReports } from '../../src/worker/report-redaction.ts'

describe('redactWorkerReports', () => {
  test("wraps this worker's reporting channel: Vitest keeps it where the redaction looks (a Vitest upgrade that moves it fails here)", () => {
    const state = (globalThis as { __vitest_worker__?: { rpc?: object } }).__vitest_worker__
    expect(state?.rpc, 'Vitest no longer keeps globalThis.__vitest_worker__.rpc').toBeTypeOf('object')
    expect(redactWorkerReports()).toBe(true)
  })

  test('redacts names, errors, meta, logs and unhandled errors before they are sent, once, whatever the rpc object answers', async () => {
    registerSecret('Rpc-Secret-9001')
    const sent: Array<[string, unknown[]]> = []
    // like Vitest's own: every property is a function that sends
    const rpc = new Proxy(
      {},
      {
        get:
          (_, method) =>
          (...args: unknown[]) =>
            sent.push([String(method), args]),
      },
    )
    const scope = { __vitest_worker__: { rpc } }
    expect(redactWorkerReports(scope)).toBe(true)
    expect(redactWorkerReports(scope)).toBe(true)
    const channel = scope.__vitest_worker__.rpc as unknown as Record<string, (...args: unknown[]) => void>
    channel.onCollected?.([
      {
        name: 'file',
        tasks: [
          {
            name: 'db postgres://app:pw-1@h/db',
            fullName: 'x Rpc-Secret-9001',
            result: {
              errors: [{ message: 'Rpc-Secret-9001', stack: 'at Rpc-Secret-9001', diff: '- Rpc-Secret-9001', cause: { message: 'Rpc-Secret-9001' } }],
            },
          },
        ],
      },
    ])
    channel.onTaskUpdate?.(
      [
        [
          'id',
          { errors: [{ message: 'expected Rpc-Secret-9001 to be x', expected: 'x', actual: 'Rpc-Secret-9001' }] },
          { prodcheck: [{ summary: 'Rpc-Secret-9001' }] },
        ],
      ],
      [],
    )
    channel.onUserConsoleLog?.({ content: 'token Rpc-Secret-9001\n' })
    channel.onUnhandledError?.({ message: 'Rpc-Secret-9001', stack: 'Rpc-Secret-9001' }, 'Error')
    channel.onTaskArtifactRecord?.('id', { type: 'internal:annotation', annotation: { message: 'Rpc-Secret-9001' } })
    channel.fetch?.('Rpc-Secret-9001')
    const text = JSON.stringify(sent)
    expect(text.match(/Rpc-Secret-9001/g)).toHaveLength(1) // only what is not a report: a module fetch
    expect(text).toContain('db postgres://app:***@h/db')
    expect(sent.map(([method]) => method)).toEqual([
      'onCollected',
      'onTaskUpdate',
      'onUserConsoleLog',
      'onUnhandledError',
      'onTaskArtifactRecord',
      'fetch',
    ])
  })

  test('redactTask walks the whole tree', () => {
    const file = { name: 'f', tasks: [{ name: 'suite', tasks: [{ name: 'https://tok-123456@host/x' }] }] }
    redactTask(file)
    expect(file.tasks[0]?.tasks[0]?.name).toBe('https://***@host/x')
  })
})
