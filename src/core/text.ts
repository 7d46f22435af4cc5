/**
 * Text limits: what a peer sent, made safe and small enough to print.
 *
 * Cap first, then process: a text from the network is cut to a window a little larger
 * than what will be shown, then redacted, then its control characters are escaped, then
 * it is cut to its final length. Nothing longer than {@link MAX_LINE_CHARS} (plus the
 * redaction margin) is ever scanned on behalf of a message, whatever a peer sends.
 *
 * @module
 */
import { redact, redactionMargin } from './redact.ts'

/** Characters of one line of a message, at most. */
export const MAX_LINE_CHARS = 400
/** Lines of one message, at most. */
export const MAX_LINES = 24
/** Items of a list shown in one line (records, names, redirects), at most. */
export const MAX_LIST_ITEMS = 10
/** Characters of an excerpt of what a peer sent (a body, a reply, a row value). */
export const MAX_EXCERPT_CHARS = 300

// C0 controls but tab and line feed, DEL, C1 controls, line/paragraph separators, bidi
// marks, overrides and isolates (they reorder what a terminal shows), BOM and non-characters
const UNPRINTABLE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/**
 * Escapes what a terminal or a report would interpret rather than show: control
 * characters (`ESC`, `BEL`…) as `\xNN` (CR as `\r`), line separators, bidi controls, BOM,
 * non-characters and lone surrogates as `\uNNNN`. Tab and line feed are kept (callers
 * that need one line use {@link oneLine}). Linear: one pass, one character class.
 *
 * @example
 * escapeControls('\u001b]0;owned\u0007') // '\\x1b]0;owned\\x07'
 */
export function escapeControls(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0)
    if (code === 0x0d) return '\\r'
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

/**
 * Text on one line: line breaks shown as `\n`, tabs as `\t`, other controls escaped.
 *
 * @example
 * oneLine('a\r\nb\tc') // 'a\\r\\nb\\tc'
 */
export function oneLine(text: string): string {
  return escapeControls(text).replace(/\n/g, '\\n').replace(/\t/g, '\\t')
}

/**
 * Cuts a text to `max` characters with "… (N more characters)", never between the two
 * halves of a surrogate pair.
 *
 * @example
 * cut('x'.repeat(500), 10) // 'xxxxxxxxxx… (490 more characters)'
 */
export function cut(text: string, max = MAX_LINE_CHARS): string {
  if (text.length <= max) return text
  const end = isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max
  return `${text.slice(0, end)}… (${text.length - end} more characters)`
}

/**
 * A list in one line, at most `maxItems` items, each cut, with "… N more" (`total` counts
 * the items there were, when only the first were kept).
 *
 * @example
 * cutList(['a', 'b', 'c'], { maxItems: 2 }) // 'a, b … 1 more'
 */
export function cutList(
  items: readonly string[],
  {
    maxItems = MAX_LIST_ITEMS,
    itemChars = 80,
    separator = ', ',
    total = items.length,
  }: { maxItems?: number; itemChars?: number; separator?: string; total?: number } = {},
): string {
  const shown = items
    .slice(0, maxItems)
    .map((item) => cut(item, itemChars))
    .join(separator)
  return total > Math.min(maxItems, items.length) ? `${shown} … ${total - Math.min(maxItems, items.length)} more` : shown
}

/**
 * At most `max` lines, with "… N more lines" as the last one.
 *
 * @example
 * cutLines(['1', '2', '3'], 2) // ['1', '… 2 more lines']
 */
export function cutLines(lines: readonly string[], max = MAX_LINES): string[] {
  if (lines.length <= max) return [...lines]
  return [...lines.slice(0, max - 1), `… ${lines.length - max + 1} more lines`]
}

/**
 * What a peer sent, ready for a message: cut to a window (`max` + the redaction margin),
 * redacted, escaped onto one line, cut to `max` with "… (N characters in all)". Its cost
 * is bounded by `max`, whatever the size of the input.
 *
 * @example
 * peerText('220 mail ready\r\n') // '220 mail ready\\r\\n'
 */
export function peerText(text: string, max = MAX_EXCERPT_CHARS, total = `${text.length} characters`): string {
  const window = max + redactionMargin()
  const safe = oneLine(redact(text.length > window ? text.slice(0, window) : text))
  if (safe.length <= max && text.length <= window) return safe
  return `${safe.slice(0, isHighSurrogate(safe.charCodeAt(max - 1)) ? max - 1 : max)}… (${total} in all)`
}

/**
 * A one-line excerpt of a response body for messages: at most `max` characters,
 * line breaks shown as `\n`, binary content summarized.
 *
 * @example
 * excerpt('{"status":"down"}\n') // '{"status":"down"}\\n'
 */
export function excerpt(text: string, totalBytes: number, max = 300): string {
  if (totalBytes === 0) return '(empty)'
  const head = text.slice(0, 1000)
  if (/[\u0000-\u0008\u000e-\u001f]/.test(head) || head.includes('\ufffd\ufffd')) return `(binary, ${totalBytes} bytes)`
  return peerText(text, max, `${totalBytes} bytes`)
}

/**
 * A byte count for messages: `8 MiB`, `512 KiB`, `300 bytes`.
 *
 * @example
 * formatBytes(8 * 1024 * 1024) // '8 MiB'
 */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`
  return `${bytes} bytes`
}

/** True when a cut after this code unit would leave a lone high surrogate. */
function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}

/**
 * Rounds a latency for display: two decimals under 1 ms, one under 10 ms, whole milliseconds above.
 *
 * @example
 * formatMs(0.043) // '0.04 ms'
 * formatMs(3.734) // '3.7 ms'
 * formatMs(840.2) // '840 ms'
 */
export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`
}

/**
 * A count with its noun, singular or plural as the count asks.
 *
 * @example
 * plural(1, 'day') // '1 day'
 * plural(4, 'day') // '4 days'
 * plural(2, 'retry', 'retries') // '2 retries'
 */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 || count === -1 ? one : many}`
}
