import { resolve } from 'node:path'
import { expect, test } from 'vitest'
import { startHttp } from '../support/servers.ts'
import { runVitest } from '../support/vitest-run.ts'

const PROJECT = resolve(import.meta.dirname, '../fixtures/projects/not-awaited')

test('a check not awaited fails its test, named, with the fix, pointing at the line of the check', async () => {
  const slow = await startHttp((_, response) => setTimeout(() => response.end('ok'), 300))
  try {
    const run = await runVitest(PROJECT, ['--project', 'prod'], { env: { SLOW_URL: slow.url } })
    expect(run.code).toBe(1)
    expect(run.output).toContain(`toRespondHttp ${slow.url}/: not awaited.`)
    expect(run.output).toContain('write `await expect(…).toRespondHttp(…)`')
    // the call site, formatted only now that it is needed: the check file's own line
    expect(run.output).toMatch(/prod-tests\/forgot\.test\.ts:5:/)
  } finally {
    await slow.close()
  }
})
