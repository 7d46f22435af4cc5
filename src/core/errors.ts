/**
 * The two errors prodcheck throws (everything else is a result, never an exception):
 * bad input, and a machine that cannot run the check. Both are thrown rather than
 * returned so that `.not` matchers fail too instead of passing vacuously.
 *
 * @module
 */

/** Bad input to a probe or matcher: the target or an option is not usable. Nothing was sent. */
export class TargetError extends TypeError {
  override readonly name = 'TargetError'
}

/** The check cannot run on this machine: a binary or an optional driver is missing. */
export class SetupError extends Error {
  override readonly name = 'SetupError'
}
