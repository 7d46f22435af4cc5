/**
 * Unrequested `100 Continue` responses, taken off a connection before undici reads it.
 *
 * RFC 9110 §15.2: "A client MUST be able to parse one or more 1xx responses received prior
 * to a final response, even if the client does not expect one." undici skips 102 and 103,
 * but treats a 100 it did not ask for as a broken response ("bad response"), where curl and
 * browsers go on to the final response. The probe never asks for one (`expect` is refused
 * as an input error), so every 100 is unrequested: this filter removes each `100` block
 * from the head of the connection and records it, lets the other informational blocks
 * (102, 103) through, and steps aside for good at the final status line. It holds at most
 * one header block (16 KiB) back, and only before the final response.
 *
 * @module
 */
import type { Socket } from 'node:net'

/** Longest informational block held back; past it, the bytes go to undici as they are. */
const MAX_BLOCK = 16 * 1024
/** Interim responses taken before the final one: a server sends one 100, a few 103; more is a flood, and each costs a parse. */
export const MAX_INTERIM = 16
/** An informational status line: `HTTP/1.1 1xx` (101 is an upgrade, never asked for: undici refuses it). */
const INFORMATIONAL = /^HTTP\/1\.[01] (1\d\d)[ \r\n]/
/** The version and status of a final status line. */
const FINAL = /^HTTP\/(1\.[01]) (\d{3})/
/** Bytes of the start of a final response that `head` gives. */
const HEAD_BYTES = 4096

/** What {@link skipContinue} tells its caller. */
export interface InformationalEvents {
  /** An unrequested `100 Continue` was taken off. */
  skipped(): void
  /** More than {@link MAX_INTERIM} interim responses came: the socket is destroyed. */
  flooded(): void
  /**
   * The final status line arrived, with this HTTP version (`1.1`, `1.0`) and status; `head`
   * gives the start of the response (at most 4 KiB, Latin-1), for a caller that needs a
   * header undici does not report (a WebSocket upgrade's).
   */
  final(version: string, status: number, head: () => string): void
}

/**
 * Filters unrequested `100 Continue` blocks out of what `socket` emits, and tells of each,
 * and of the HTTP version of the final response.
 *
 * @example
 * skipContinue(socket, { skipped: () => continues++, flooded: () => (flood = true), final: (version) => (httpVersion = version) })
 */
export function skipContinue(socket: Socket, events: InformationalEvents): void {
  let held: Buffer | undefined = Buffer.alloc(0)
  let interim = 0
  const push = socket.push
  socket.push = function continueFilter(this: Socket, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (held === undefined || typeof chunk === 'string') return push.call(this, chunk, encoding)
    if (chunk === null) {
      const rest = held
      held = undefined
      if (rest.length > 0) push.call(this, rest)
      return push.call(this, null)
    }
    let buffer = held.length > 0 ? Buffer.concat([held, chunk as Buffer]) : (chunk as Buffer)
    for (;;) {
      if (buffer.length < 13) {
        // too short to tell: hold it, unless it cannot be the start of an informational block
        if (!couldBeInformational(buffer)) break
        held = buffer
        return true
      }
      const status = INFORMATIONAL.exec(buffer.toString('latin1', 0, 13))?.[1]
      if (status === undefined || status === '101') break
      const end = blockEnd(buffer)
      if (end === -1) {
        if (buffer.length > MAX_BLOCK) break
        held = buffer
        return true
      }
      if (++interim > MAX_INTERIM) {
        held = undefined
        events.flooded()
        this.destroy()
        return false
      }
      // a 100 is taken off; a 102 or 103 goes on to undici, which skips them, and the next block is read
      if (status === '100') events.skipped()
      else push.call(this, buffer.subarray(0, end))
      buffer = buffer.subarray(end)
    }
    held = undefined
    const final = FINAL.exec(buffer.toString('latin1', 0, 12))
    if (final?.[1]) {
      const head = buffer
      events.final(final[1], Number(final[2]), () => head.toString('latin1', 0, Math.min(head.length, HEAD_BYTES)))
    }
    return buffer.length > 0 ? push.call(this, buffer) : true
  }
}

/** Whether a short buffer could be the start of `HTTP/1.x 1xx`. */
function couldBeInformational(buffer: Buffer): boolean {
  const text = buffer.toString('latin1')
  const want = `HTTP/1.${text[7] === '0' ? '0' : '1'} 1`
  return want.startsWith(text.slice(0, want.length))
}

/** The index just past the blank line that ends a header block, or -1. */
function blockEnd(buffer: Buffer): number {
  const crlf = buffer.indexOf('\r\n\r\n')
  const lf = buffer.indexOf('\n\n')
  if (crlf === -1 && lf === -1) return -1
  if (crlf === -1) return lf + 2
  if (lf === -1) return crlf + 4
  return Math.min(crlf + 4, lf + 2)
}
