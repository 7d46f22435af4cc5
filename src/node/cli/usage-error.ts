/**
 * A usage or configuration error of the CLI: printed as one line, exit code 2 (3 for the
 * Nagios format, "UNKNOWN"), never with a stack trace.
 *
 * @module
 */

/** Bad flags, no config, no prod project, no check matched… */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}
