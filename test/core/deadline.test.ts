import { describe, expect, test } from 'vitest'
import { closeGracefully, DeadlineError, startDeadline } from '../../src/core/deadline.ts'

describe('startDeadline', () => {
  test('aborts its signal when the time is up, as a timeout', async () => {
    const deadline = startDeadline(30)
    await expect(deadline.aborted).rejects.toBeInstanceOf(DeadlineError)
    expect(deadline.signal.aborted).toBe(true)
    expect(deadline.timedOut()).toBe(true)
    expect(deadline.elapsed()).toBeGreaterThanOrEqual(25)
  })

  test('follows the caller signal, which is not a timeout', async () => {
    const caller = new AbortController()
    const deadline = startDeadline(10_000, caller.signal)
    caller.abort(new Error('run cancelled'))
    await expect(deadline.aborted).rejects.toThrow('run cancelled')
    expect(deadline.timedOut()).toBe(false)
    deadline.clear()
  })

  test('starts aborted when the caller signal already is', async () => {
    const deadline = startDeadline(10_000, AbortSignal.abort(new Error('already')))
    expect(deadline.signal.aborted).toBe(true)
    deadline.clear()
  })

  test('releases its timer on clear: cleared, it never fires', async () => {
    const deadline = startDeadline(20)
    deadline.clear()
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(deadline.signal.aborted).toBe(false)
    expect(deadline.timedOut()).toBe(false)
  })

  test('stops following the caller signal on clear', () => {
    const caller = new AbortController()
    const deadline = startDeadline(10_000, caller.signal)
    deadline.clear()
    caller.abort(new Error('late'))
    expect(deadline.signal.aborted).toBe(false)
  })
})

describe('closeGracefully', () => {
  test('destroys after the grace period when the peer never answers', async () => {
    let destroyed = false
    const started = performance.now()
    await closeGracefully(
      () => new Promise(() => {}),
      () => (destroyed = true),
      50,
    )
    expect(destroyed).toBe(true)
    expect(performance.now() - started).toBeLessThan(1000)
  })

  test('destroys after a polite close too, and swallows its errors', async () => {
    let destroyed = false
    await closeGracefully(
      () => Promise.reject(new Error('gone')),
      () => (destroyed = true),
    )
    expect(destroyed).toBe(true)
  })
})
