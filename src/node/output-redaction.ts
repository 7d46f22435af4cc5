/**
 * Redaction of what the runner process itself prints: Vitest's reporters write code frames
 * read from the check files (a DSN literal with its password, a header value), test names
 * and errors to this process's stdout and stderr, which no worker-side redaction sees. Each
 * write is redacted with this process's registry (its environment's secrets and the URL
 * patterns) before it reaches the terminal or a CI log. Runner side, installed once per
 * process by `defineProdProject`.
 *
 * @module
 */
import { isMainThread } from 'node:worker_threads'
import { redact, registerEnvSecrets } from '../core/redact.ts'

const INSTALLED = Symbol.for('prodcheck.output-redaction')

/** Writes longer than this pass through unredacted no further: they are cut to it, redacted, and the rest said. */
const MAX_WRITE_CHARS = 1024 * 1024

/**
 * Wraps `process.stdout.write` and `process.stderr.write` of the main thread (once) so that
 * every text written is redacted first. Buffers (binary output) pass as they are.
 *
 * @example
 * redactProcessOutput()
 * console.log('postgres://app:s3cret@db/app') // postgres://app:***@db/app
 */
export function redactProcessOutput(env: Record<string, string | undefined> = process.env): void {
  if (!isMainThread) return
  const holder = process as unknown as { [INSTALLED]?: boolean }
  if (holder[INSTALLED]) return
  holder[INSTALLED] = true
  registerEnvSecrets(env)
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean
    stream.write = function redactedWrite(chunk: unknown, ...rest: unknown[]): boolean {
      if (typeof chunk !== 'string') return write(chunk, ...rest)
      const text =
        chunk.length > MAX_WRITE_CHARS ? `${chunk.slice(0, MAX_WRITE_CHARS)}… (${chunk.length - MAX_WRITE_CHARS} more characters)\n` : chunk
      return write(redact(text), ...rest)
    } as typeof stream.write
  }
}
