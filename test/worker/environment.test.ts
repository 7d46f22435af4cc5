import { afterEach, describe, expect, test } from 'vitest'
import environment, { readEnvironmentOptions } from '../../src/worker/environment.ts'
import { DEFAULT_TIMEOUT_MS } from '../../src/core/deadline.ts'
import { probeHttp } from '../../src/probes/http.ts'
import { redact } from '../../src/core/redact.ts'
import { getRuntime } from '../../src/worker/runtime.ts'
import { startSilent } from '../support/servers.ts'

afterEach(() => {
  getRuntime().timeoutMs = DEFAULT_TIMEOUT_MS
  getRuntime().lifetime = new AbortController()
})

describe('readEnvironmentOptions', () => {
  test('defaults the check deadline to 5 s', () => {
    expect(readEnvironmentOptions(undefined)).toEqual({ timeoutMs: 5000 })
    expect(readEnvironmentOptions({ prodcheck: { timeoutMs: 1500 } })).toEqual({ timeoutMs: 1500 })
  })

  test('rejects a bad deadline with the option path', () => {
    expect(() => readEnvironmentOptions({ prodcheck: { timeoutMs: '5s' } })).toThrow(
      'environmentOptions.prodcheck.timeoutMs must be a positive number of milliseconds, got 5s',
    )
  })
})

describe('the prodcheck environment', () => {
  test('sets the default deadline of the checks of the worker', async () => {
    const { teardown } = await environment.setup(globalThis, { prodcheck: { timeoutMs: 1234 } })
    expect(getRuntime().timeoutMs).toBe(1234)
    await teardown(globalThis)
  })

  test('registers secret-looking environment variables for redaction', async () => {
    process.env.PRODCHECK_TEST_API_TOKEN = 'env-token-5521'
    const { teardown } = await environment.setup(globalThis, {})
    expect(redact('upstream said env-token-5521')).toBe('upstream said ***')
    await teardown(globalThis)
    delete process.env.PRODCHECK_TEST_API_TOKEN
  })

  test('aborts in-flight probes on teardown, so that their sockets close', async () => {
    const silent = await startSilent()
    try {
      const { teardown } = await environment.setup(globalThis, {})
      const pending = probeHttp(silent.url, { timeoutMs: 10_000 }, getRuntime().lifetime.signal)
      setTimeout(() => teardown(globalThis), 100)
      const started = performance.now()
      const result = await pending
      expect(performance.now() - started).toBeLessThan(2000)
      expect(result.error).toMatchObject({ code: 'EABORTED', message: expect.stringMatching(/the test environment was torn down/) })
    } finally {
      await silent.close()
    }
  })
})
