/**
 * Asks `what` every 200 ms until `ok` holds of its answer or `timeoutMs` passed; returns the
 * last answer, for the test to assert on (so that a timeout fails with what was seen).
 */
export async function until<T>(what: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await what()
    if (ok(value) || Date.now() > end) return value
    await new Promise((done) => setTimeout(done, 200))
  }
}
