/**
 * A request body read under a byte cap and a time limit, keeping nothing beyond the cap.
 * Runner side.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'

/** The largest login body read: a form with one field needs a few dozen bytes. */
export const BODY_LIMIT_BYTES = 4096
/** The time a client has to send its login body once its headers are in. */
export const BODY_TIMEOUT_MS = 2000

/** A body refused: too large (413), too slow (408), or cut off (400). */
export class BodyError extends Error {
  constructor(
    readonly status: 408 | 413 | 400,
    message: string,
  ) {
    super(message)
  }
}

/**
 * Reads a request body of at most `limit` bytes within `timeoutMs`, or rejects with a
 * {@link BodyError}, keeping nothing beyond the limit.
 *
 * @example
 * const form = new URLSearchParams(await readBody(request))
 */
export function readBody(request: IncomingMessage, limit = BODY_LIMIT_BYTES, timeoutMs = BODY_TIMEOUT_MS): Promise<string> {
  const tooLarge = (): BodyError => new BodyError(413, `the body is larger than ${limit} bytes`)
  if (Number(request.headers['content-length'] ?? 0) > limit) return Promise.reject(tooLarge())
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const settle = (error?: BodyError): void => {
      clearTimeout(timer)
      request.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onClose)
      if (error) reject(error)
      else resolve(Buffer.concat(chunks).toString('utf8'))
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) settle(tooLarge())
      else chunks.push(chunk)
    }
    const onEnd = (): void => settle()
    const onClose = (): void => settle(new BodyError(400, 'the body was cut off'))
    const timer = setTimeout(() => settle(new BodyError(408, `the body did not arrive within ${timeoutMs} ms`)), timeoutMs)
    request.on('data', onData).on('end', onEnd).on('close', onClose).on('error', onClose)
  })
}
