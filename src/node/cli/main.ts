#!/usr/bin/env node
/**
 * The `prodcheck` command: `run`, `serve`, `init`. Usage and configuration errors are one
 * line on stderr and exit code 2, never a stack trace (set PRODCHECK_DEBUG=1 for one).
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { UsageError } from './usage-error.ts'

const HELP = `Usage: prodcheck <command> [options]

Commands:
  run      run the checks once and report them (text, json, junit, tap, nagios)
  serve    serve cached results: /health, /diagnostics, /metrics and a status page
  init     write an example check and add the prod project to vitest.config

Run "prodcheck <command> --help" for the options of a command.
Options: -h, --help   this help;  -v, --version   the version of prodcheck`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'run':
      return (await import('./run.ts')).runCommand(rest)
    case 'serve':
      return (await import('./serve.ts')).serveCommand(rest)
    case 'init':
      return (await import('./init.ts')).initCommand(rest)
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${HELP}\n`)
      return command === undefined ? 2 : 0
    case '-v':
    case '--version':
      process.stdout.write(`${version()}\n`)
      return 0
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}: use run, serve or init (see prodcheck --help)`)
  }
}

function version(): string {
  // dist/src/node/cli/main.js or src/node/cli/main.ts: the package.json is the first one above named prodcheck
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'prodcheck') return pkg.version ?? 'unknown'
    } catch {
      // no package.json here
    }
  }
  return 'unknown'
}

main(process.argv.slice(2)).then(
  (code) => exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error)
    process.stderr.write(`prodcheck: ${error instanceof UsageError ? '' : 'error: '}${message.split('\n')[0]}\n`)
    if (process.env.PRODCHECK_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`)
    exit(2)
  },
)

/** Exits once stdout is flushed: a report piped to another program must arrive whole. */
function exit(code: number): void {
  process.stdout.write('', () => process.exit(code))
}
