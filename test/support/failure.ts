/** The message of a rejected assertion, ANSI colours removed; fails the test if it did not reject. */
export async function failureOf(assertion: Promise<unknown>): Promise<string> {
  try {
    await assertion
  } catch (error) {
    return String((error as Error).message).replace(/\x1b\[[0-9;]*m/g, '')
  }
  throw new Error('expected the assertion to fail, but it passed')
}

/** Milliseconds an async call takes. */
export async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now()
  const value = await run()
  return { value, ms: performance.now() - started }
}
