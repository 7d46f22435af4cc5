/**
 * Parsing of `prodcheck <command> [flags]`, strict: an unknown flag or a missing value is a
 * {@link UsageError}, not a guess.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from './usage-error.ts'

/**
 * Parses the flags of a command; `options` as for `util.parseArgs`.
 *
 * @example
 * parseFlags(['--port', '8080'], { port: { type: 'string' } }, 'serve')
 */
export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
  command: string,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    })
    return { values: values as Record<string, string | boolean | string[] | undefined>, positionals }
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]?.replace(/\. To specify a positional argument.*$/, '') ?? String(error)
    throw new UsageError(`${command}: ${message} (see prodcheck ${command} --help)`)
  }
}
