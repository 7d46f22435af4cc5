/**
 * The secret patterns of {@link redact}, as one linear scan instead of regular expressions.
 *
 * The scan jumps from anchor to anchor (`://`, `:`, `=`) with the engine's native string
 * search, then reads what surrounds each anchor with loops bounded in length: a scheme
 * (32 characters back), a name (64 back), a user (256 forward), a password (2048 forward, up
 * to the last `@`). A value is read to its end only when it is masked, and the scan goes on
 * after it, so no character is read more than a bounded number of times: the cost is linear
 * in the length of the text, whatever it holds (1 MiB of adversarial text in a few ms).
 *
 * What is masked (the value only; the name, the quotes and what follows stay):
 * - `scheme://user:password@` → `scheme://user:***@`, and `https://token@` → `https://***@`;
 * - `?name=value` / `&name=value` / `;name=value` when the name is a secret parameter;
 * - `name=value` in free text when the name is secret (`password=hunter2 dbname=app`);
 * - a header line `Name: value` when the name is secret: the rest of the line;
 * - a quoted value of a secret key: `"key":"value"`, `key: 'value'`, `"key":["value"]`.
 *
 * @module
 */

/** Decides whether a name (a variable, a header, a key) or a query parameter is secret. */
export interface SecretNames {
  name(name: string): boolean
  param(name: string): boolean
  /** Finds the words every secret name contains (global, case-insensitive): where a secret value may follow. */
  words: RegExp
}

const MAX_SCHEME = 32
const MAX_NAME = 64
const MAX_USER = 256
const MAX_PASSWORD = 2048
/** `%3A` (`:`) or `%3D` (`=`): a URL or a query %-encoded in a value. */
const ENCODED = /%3[ADad]/g
/** The longest %-encoded parameter value decoded to look for a secret inside. */
const MAX_NESTED = 4096
const MAX_BLANKS = 16

/** The longest stretch of text before an end (`@`) that a pattern needs to see, for cuts. */
export const LONGEST_PATTERN = MAX_SCHEME + 3 + MAX_USER + 1 + MAX_PASSWORD + 1

/** A blank beyond ASCII (no-break space, line separator…): it ends a password, as a blank, `/`, `?`, `#` or a mask do. */
const UNICODE_BLANK = /\s/
/** The end of a web scheme, just before `://` (`https`, `wss`…), as a word. */
const WEB_SCHEME = /(?:^|[^a-z0-9+.-])(?:https?|wss?)$/i

const TAB = 9
const LF = 10
const CR = 13

// character classes of ASCII, as bits of a table: one lookup per character in the hot loop
const NAME = 1 // [A-Za-z0-9_-]
const BLANK = 2 // space, tab
const QUOTE = 4 // " ' `
const ENDS_PARAM = 8 // = & # ; " ' < > and white space: ends a query parameter name
const ENDS_VALUE = 16 // & # ; " ' < > and white space: ends a value at once
const TRAILING = 32 // . , : ! ? ) ] }: ends a value when a blank, a quote or the end follows
const SCHEME = 64 // [A-Za-z0-9+.-]
const LETTER = 128
const CLASSES = new Uint8Array(128)
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c)
  let bits = 0
  if (/[A-Za-z0-9_-]/.test(ch)) bits |= NAME
  if (c === 32 || c === TAB) bits |= BLANK
  if (c === 34 || c === 39 || c === 96) bits |= QUOTE
  if (/[=&#;"'`<>\s]/.test(ch)) bits |= ENDS_PARAM
  if (/[&#;"'`<>\s]/.test(ch)) bits |= ENDS_VALUE
  if (/[.,:!?)\]}]/.test(ch)) bits |= TRAILING
  if (/[A-Za-z0-9+.-]/.test(ch)) bits |= SCHEME
  if (/[A-Za-z]/.test(ch)) bits |= LETTER
  CLASSES[c] = bits
}
/** Whether the code unit `c` has one of the class `bits` (ASCII only). */
function is(c: number, bits: number): boolean {
  return c >= 0 && c < 128 && ((CLASSES[c] as number) & bits) !== 0
}
/** White space beyond ASCII that also ends names and values. */
function isWideSpace(c: number): boolean {
  return c === 0xa0 || c === 0x2028 || c === 0x2029 || c === 0xfeff
}
function isBlank(c: number): boolean {
  return is(c, BLANK)
}
function isQuote(c: number): boolean {
  return is(c, QUOTE)
}
function isNameChar(c: number): boolean {
  return is(c, NAME)
}
function isLetter(c: number): boolean {
  return is(c, LETTER)
}
function endsParamName(c: number): boolean {
  return is(c, ENDS_PARAM) || isWideSpace(c)
}
function endsValue(c: number): boolean {
  return is(c, ENDS_VALUE) || isWideSpace(c)
}

/**
 * The spans of `text` to replace with the mask, in order, not overlapping, as a flat list
 * of (start, end) pairs.
 *
 * @example
 * secretSpans('postgres://app:pw@db', names, '***') // [15, 17]
 */
export function secretSpans(text: string, names: SecretNames, mask: string): number[] {
  return new Scan(text, names, mask).run()
}

/** One scan of a text (a class rather than closures: its methods are compiled once, and optimized early). */
class Scan {
  readonly spans: number[] = []
  readonly n: number

  constructor(
    readonly text: string,
    readonly names: SecretNames,
    readonly mask: string,
  ) {
    this.n = text.length
  }

  /** Where a user name starting at `from` ends: a blank, `:`, `/`, `?`, `#`, `@` or a mask, at most MAX_USER on. */
  userEnd(from: number): number {
    const { text } = this
    const end = Math.min(this.n, from + MAX_USER)
    for (let at = from; at < end; at++) {
      const c = text.charCodeAt(at)
      if (c === 58 || c === 64 || c === 47 || c === 63 || c === 35 || c === 32 || (c >= 9 && c <= 13)) return at
      if (c === 42 && text.startsWith('***', at)) return at
      if (c > 127 && UNICODE_BLANK.test(text.charAt(at))) return at
    }
    return end
  }

  /** Where a password starting at `from` ends: a blank, `/`, `?`, `#` or a mask, at most MAX_PASSWORD on. */
  passwordEnd(from: number): number {
    const { text } = this
    const end = Math.min(this.n, from + MAX_PASSWORD)
    for (let at = from; at < end; at++) {
      const c = text.charCodeAt(at)
      if (c === 47 || c === 63 || c === 35 || c === 32 || (c >= 9 && c <= 13)) return at
      if (c === 42 && text.startsWith('***', at)) return at
      if (c > 127 && UNICODE_BLANK.test(text.charAt(at))) return at
    }
    return end
  }

  run(): number[] {
    const { text, n, spans } = this
    // 1. scheme://user:password@ and https://token@, from one `://` to the next
    for (let i = text.indexOf('://'); i !== -1; ) {
      let next = i + 3
      if (i > 0 && is(text.charCodeAt(i - 1), SCHEME)) {
        const userEnd = this.userEnd(next)
        const after = this.at(userEnd)
        if (after === 58) {
          // the password runs to the last `@` before a blank, `/`, `?`, `#` or a mask, within
          // MAX_PASSWORD: read up to its end only (a search of the rest of the text, or a copy of
          // the whole window, from each `://`, would make a text of many URLs quadratic)
          const end = this.passwordEnd(userEnd + 1)
          const at = end > userEnd + 1 ? text.lastIndexOf('@', end - 1) : -1
          if (at > userEnd) {
            this.push(userEnd + 1, at)
            next = at + 1
          } else {
            // a report cut the URL in its password (`postgres://app:S3cretPa…`): what is shown is masked
            const cut = text.indexOf('…', userEnd + 1)
            if (cut > userEnd + 1 && cut < end) this.push(userEnd + 1, cut)
          }
        } else if (after === 64 && userEnd > next && WEB_SCHEME.test(text.slice(Math.max(0, i - 6), i))) {
          this.push(next, userEnd)
          next = userEnd + 1
        }
      }
      i = text.indexOf('://', next)
    }
    const urls = spans.length
    // 2. values of secret names: found by their words, at native speed; only a hit is read by hand
    // (`test` rather than `exec`: no match object per hit; the name is read around the hit's end)
    const words = this.names.words
    words.lastIndex = 0
    while (words.test(text)) {
      const end = words.lastIndex
      let s = end - 1
      while (s > 0 && end - s < MAX_NAME && isNameChar(text.charCodeAt(s - 1))) s--
      // a name does not start with a digit: `\e[31mpassword=` (a colour code before it) names `mpassword`
      while (s < end - 1 && text.charCodeAt(s) >= 48 && text.charCodeAt(s) <= 57) s++
      let e = end
      while (e < n && e - end < MAX_NAME && isNameChar(text.charCodeAt(e))) e++
      words.lastIndex = this.secretValue(s, e)
    }
    const named = spans.length
    // 3. parameter values %-encoded around a URL or a query (`?next=%2Fcb%3Ftoken%3Dabc`): each
    // decoded and scanned once more, then masked whole when it hides a secret; one pass, in
    // which each value is read once
    ENCODED.lastIndex = 0
    if (ENCODED.test(text)) {
      let value = -1
      for (let i = 0; i < n; i++) {
        const c = text.charCodeAt(i)
        if (c === 61) value = i + 1
        else if (endsValue(c)) value = -1
        else if (c === 37 && value !== -1 && text.charCodeAt(i + 1) === 51 && isEncodedColonOrEquals(text.charCodeAt(i + 2))) {
          const end = this.valueEnd(value)
          if (this.hidesSecret(value, end)) this.push(value, end)
          i = Math.max(i, end - 1)
          value = -1
        }
      }
    }
    const steps = (urls > 0 ? 1 : 0) + (named > urls ? 1 : 0) + (spans.length > named ? 1 : 0)
    return steps > 1 ? union(spans) : spans
  }

  at(i: number): number {
    return i >= 0 && i < this.n ? this.text.charCodeAt(i) : -1
  }

  masked(i: number): boolean {
    return this.text.startsWith(this.mask, i)
  }

  push(start: number, end: number): void {
    if (end > start && !this.masked(start)) this.spans.push(start, end)
  }

  /** What follows the name at [s, e): masks its value when the name is secret; returns where to go on (≥ e). */
  secretValue(s: number, e: number): number {
    const { text, n, names } = this
    const before = this.at(s - 1)
    let p = e
    if (isQuote(before) && this.at(p) === before) p++
    while (p < n && p - e < MAX_BLANKS && isBlank(text.charCodeAt(p))) p++
    const sep = this.at(p)
    if (sep === 58) {
      if (this.at(p + 1) === 47 && this.at(p + 2) === 47) return e
      if (!names.name(text.slice(s, e))) return e
      // a header line: only blanks between the start of the line and the name
      let b = s
      while (b > 0 && s - b < MAX_BLANKS && isBlank(text.charCodeAt(b - 1))) b--
      let v = p + 1
      while (v < n && v - p <= MAX_BLANKS && isBlank(text.charCodeAt(v))) v++
      // (a quoted value is masked to its closing quote, below: `key: 'abc', status: down` keeps its status)
      if (!isQuote(before) && !isQuote(this.at(v)) && (b === 0 || this.at(b - 1) === LF || this.at(b - 1) === CR)) {
        let end = v
        while (end < n && text.charCodeAt(end) !== LF && text.charCodeAt(end) !== CR) end++
        this.push(v, end)
        return Math.max(end, e)
      }
      const after = this.quoted(p + 1, true)
      return after === -1 ? e : after
    }
    if (sep !== 61) return e
    const next = this.at(p + 1)
    if (isQuote(next) || next === 91 || isBlank(next) || p > e) {
      const after = this.quoted(p + 1, names.name(text.slice(s, e)))
      return after === -1 ? e : after
    }
    if (next === -1 || this.masked(p + 1)) return e
    // ?name=value: the name runs back to the separator, and may be %-encoded
    let q = s
    while (q > 0 && e - q < MAX_NAME && !endsParamName(text.charCodeAt(q - 1)) && text.charCodeAt(q - 1) !== 63) q--
    const sepBefore = this.at(q - 1)
    const secret =
      sepBefore === 63 || sepBefore === 38 || sepBefore === 59
        ? names.param(safeDecode(text.slice(q, e)))
        : isLetter(text.charCodeAt(s)) && before !== 46 && before !== 37 && names.name(text.slice(s, e))
    const end = this.valueEnd(p + 1)
    if (!secret && !this.hidesSecret(p + 1, end)) return e
    this.push(p + 1, end)
    return Math.max(end, e)
  }

  /**
   * Whether a %-encoded value holds a secret once decoded: a URL with its password, a secret
   * parameter (`?next=%2Fcb%3Ftoken%3Dabc`, `?u=postgres%3A%2F%2Fapp%3Apw%40db`). Only values
   * up to MAX_NESTED characters are decoded, and each is scanned once more: linear still.
   */
  hidesSecret(start: number, end: number): boolean {
    if (end - start > MAX_NESTED || end - start < 6) return false
    const value = this.text.slice(start, end)
    if (!value.includes('%')) return false
    const decoded = safeDecode(value)
    return decoded !== value && new Scan(decoded, this.names, this.mask).run().length > 0
  }

  /**
   * The end of an unquoted value starting at `start`: at a separator, a quote or a blank; at
   * a run of punctuation followed by one of those or the end; at a mask.
   */
  valueEnd(start: number): number {
    const { text, n } = this
    let i = start
    while (i < n) {
      const c = text.charCodeAt(i)
      if (endsValue(c) || (c === 42 && this.masked(i))) break
      // `password=hunter2,user=app`: a comma before another assignment ends the value
      if (c === 44 && this.assignmentAt(i + 1)) break
      if (is(c, TRAILING)) {
        let j = i + 1
        while (j < n && is(text.charCodeAt(j), TRAILING)) j++
        if (j === n || endsValue(text.charCodeAt(j))) break
        i = j
        continue
      }
      i++
    }
    return i
  }

  /** Whether `name=` starts at `from` (after a blank or two). */
  assignmentAt(from: number): boolean {
    const { text, n } = this
    let j = from
    while (j < n && j - from < 2 && isBlank(text.charCodeAt(j))) j++
    const start = j
    while (j < n && j - start < MAX_NAME && isNameChar(text.charCodeAt(j))) j++
    return j > start && text.charCodeAt(j) === 61
  }

  /** A quoted value after `from` (blanks, an optional `[`, a quote): masked when `secret`; returns where to go on, or -1. */
  quoted(from: number, secret: boolean): number {
    const { text, n } = this
    let j = from
    while (j < n && j - from < 8 && isBlank(text.charCodeAt(j))) j++
    if (this.at(j) === 91) {
      j++
      const b = j
      while (j < n && j - b < 8 && isBlank(text.charCodeAt(j))) j++
    }
    const quote = this.at(j)
    if (!isQuote(quote)) return -1
    const start = j + 1
    if (!secret) return start
    let k = start
    for (; k < n; k++) {
      const c = text.charCodeAt(k)
      if (c === quote || c === LF || c === CR) break
      if (c === 92) k++
    }
    k = Math.min(k, n)
    this.push(start, k)
    return k
  }
}

/** Sorts and merges overlapping (start, end) pairs. */
function union(flat: number[]): number[] {
  const pairs: Array<[number, number]> = []
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i] as number, flat[i + 1] as number])
  pairs.sort((a, b) => a[0] - b[0])
  const merged: number[] = []
  for (const [start, end] of pairs) {
    const last = merged.length - 1
    if (last > 0 && start <= (merged[last] as number)) merged[last] = Math.max(merged[last] as number, end)
    else merged.push(start, end)
  }
  return merged
}

/**
 * `text` with each span replaced by `mask`.
 *
 * @example
 * maskSpans('a:pw@b', [2, 4], '***') // 'a:***@b'
 */
export function maskSpans(text: string, spans: readonly number[], mask: string): string {
  if (spans.length === 0) return text
  let out = ''
  let from = 0
  for (let i = 0; i < spans.length; i += 2) {
    out += text.slice(from, spans[i]) + mask
    from = spans[i + 1] as number
  }
  return out + text.slice(from)
}

function safeDecode(value: string): string {
  if (!value.includes('%')) return value
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/** The last digit of `%3A` (`:`) or `%3D` (`=`), in either case. */
function isEncodedColonOrEquals(c: number): boolean {
  const lower = c | 32
  return lower === 97 || lower === 100
}
