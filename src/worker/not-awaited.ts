/**
 * The error of a test that ended while one of its checks still ran: the check was not
 * awaited, so its verdict could not count. Named after the checks, with the fix.
 *
 * @module
 */

/** A test returned before its checks did. */
export class NotAwaitedError extends Error {
  override readonly name = 'NotAwaitedError'
  /** `stack`: where the first of the checks was called (the test's `expect` line). */
  constructor(
    readonly checks: readonly string[],
    stack?: string,
  ) {
    super(
      `${checks.join(', ')}: not awaited. The test ended before ${checks.length === 1 ? 'this check' : 'these checks'} did, so ${checks.length === 1 ? 'its' : 'their'} verdict could not count: write \`await expect(…).${checks[0]?.split(' ')[0] ?? 'toRespondHttp'}(…)\``,
    )
    if (stack) this.stack = `${this.name}: ${this.message}\n${stack.split('\n').slice(1).join('\n')}`
  }
}
