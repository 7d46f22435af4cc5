import { describe, expect, test } from 'vitest'
import { registerSecret } from '../../src/core/redact.ts'
import {
  cut,
  cutLines,
  cutList,
  escapeControls,
  excerpt,
  formatBytes,
  formatMs,
  MAX_EXCERPT_CHARS,
  MAX_LINE_CHARS,
  oneLine,
  peerText,
  plural,
} from '../../src/core/text.ts'

const SMILE = '\ud83d\ude00'
const TEN_MB = 10 * 1024 * 1024

/** Runs `run` once and returns its result with the milliseconds it took. */
function timed<T>(run: () => T): { value: T; ms: number } {
  const start = performance.now()
  const value = run()
  return { value, ms: performance.now() - start }
}

describe('escapeControls', () => {
  test('escapes C0 and C1 controls, DEL, CR, line separators, bidi controls and BOM; keeps tab and line feed', () => {
    expect(escapeControls('\u001b]0;owned\u0007')).toBe('\\x1b]0;owned\\x07')
    expect(escapeControls('a\u0000b\u007fc\u0085d')).toBe('a\\x00b\\x7fc\\x85d')
    expect(escapeControls('a\r\nb\tc')).toBe('a\\r\nb\tc')
    expect(escapeControls('a\u2028b\u2029c')).toBe('a\\u2028b\\u2029c')
    expect(escapeControls('\u202eevil\u2066x\u2069\u200f')).toBe('\\u202eevil\\u2066x\\u2069\\u200f')
    expect(escapeControls('\ufeffhello\uffff')).toBe('\\ufeffhello\\uffff')
  })

  test('escapes lone surrogates, keeps a surrogate pair whole', () => {
    expect(escapeControls(`a${SMILE}b`)).toBe(`a${SMILE}b`)
    expect(escapeControls('a\ud83db')).toBe('a\\ud83db')
    expect(escapeControls('a\ude00b')).toBe('a\\ude00b')
    expect(escapeControls('\ude00\ud83d')).toBe('\\ude00\\ud83d')
  })

  test('leaves printable text as it is', () => {
    const text = 'HTTP 200 OK — “ünïcode” 日本 {"a":[1,2]}'
    expect(escapeControls(text)).toBe(text)
  })
})

describe('oneLine', () => {
  test('shows line breaks and tabs as escapes', () => {
    expect(oneLine('a\r\nb\tc')).toBe('a\\r\\nb\\tc')
    expect(oneLine('x\n\u001b[2Jy')).toBe('x\\n\\x1b[2Jy')
  })
})

describe('cut', () => {
  test('a text within the limit is unchanged', () => {
    expect(cut('x'.repeat(10), 10)).toBe('x'.repeat(10))
    expect(cut('x'.repeat(MAX_LINE_CHARS))).toBe('x'.repeat(MAX_LINE_CHARS))
  })

  test('a longer text: the first `max` characters, then the ellipsis and the count of what was cut', () => {
    expect(cut('x'.repeat(500), 10)).toBe('xxxxxxxxxx… (490 more characters)')
    expect(cut('x'.repeat(MAX_LINE_CHARS + 1))).toBe(`${'x'.repeat(MAX_LINE_CHARS)}… (1 more characters)`)
  })

  test('never between the two halves of a surrogate pair', () => {
    const text = `ab${SMILE}cd`
    expect(cut(text, 3)).toBe('ab… (4 more characters)')
    expect(cut(text, 4)).toBe(`ab${SMILE}… (2 more characters)`)
    expect(cut(text, 2)).toBe('ab… (4 more characters)')
  })
})

describe('cutList', () => {
  test('at most maxItems items, then "… N more"', () => {
    expect(cutList(['a', 'b', 'c'], { maxItems: 2 })).toBe('a, b … 1 more')
    expect(cutList(Array.from({ length: 25 }, (_, i) => `r${i}`))).toBe('r0, r1, r2, r3, r4, r5, r6, r7, r8, r9 … 15 more')
  })

  test('no count when every item is shown', () => {
    expect(cutList(['a', 'b'], { maxItems: 2 })).toBe('a, b')
    expect(cutList([])).toBe('')
  })

  test('`total` counts the items there were beyond those passed', () => {
    expect(cutList(['a', 'b'], { total: 5 })).toBe('a, b … 3 more')
    expect(cutList(['a', 'b', 'c'], { maxItems: 1, total: 7 })).toBe('a … 6 more')
  })

  test('each item cut, with its own separator', () => {
    expect(cutList(['x'.repeat(100), 'y'], { separator: ' → ' })).toBe(`${'x'.repeat(80)}… (20 more characters) → y`)
    expect(cutList(['abcdef', 'gh'], { itemChars: 3, separator: '; ' })).toBe('abc… (3 more characters); gh')
  })
})

describe('cutLines', () => {
  test('at most `max` lines, the last one counting those left out', () => {
    expect(cutLines(['1', '2', '3'], 2)).toEqual(['1', '… 2 more lines'])
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`)
    const kept = cutLines(lines, 24)
    expect(kept).toHaveLength(24)
    expect(kept.slice(0, 23)).toEqual(lines.slice(0, 23))
    expect(kept[23]).toBe('… 77 more lines')
  })

  test('lines within the limit are kept, in a new array', () => {
    const lines = ['1', '2', '3']
    const kept = cutLines(lines, 3)
    expect(kept).toEqual(lines)
    expect(kept).not.toBe(lines)
  })
})

describe('peerText', () => {
  test('a short text, escaped onto one line', () => {
    expect(peerText('220 mail ready\r\n')).toBe('220 mail ready\\r\\n')
    expect(peerText('\u001b[31mred\u0007\u2028')).toBe('\\x1b[31mred\\x07\\u2028')
  })

  test('a longer text: cut to `max`, the ellipsis, then the length of the whole text', () => {
    expect(peerText('x'.repeat(350))).toBe(`${'x'.repeat(MAX_EXCERPT_CHARS)}… (350 characters in all)`)
    expect(peerText('x'.repeat(20), 5)).toBe('xxxxx… (20 characters in all)')
    expect(peerText('x'.repeat(20), 5, '2 KiB')).toBe('xxxxx… (2 KiB in all)')
  })

  test('escapes before it cuts: the result is bounded however many characters the escapes add', () => {
    const text = '\u001b'.repeat(200)
    expect(peerText(text)).toBe(`${'\\x1b'.repeat(75)}… (200 characters in all)`)
  })

  test('never splits a surrogate pair at the cut', () => {
    expect(peerText(`abcd${SMILE}xyz`, 5)).toBe('abcd… (9 characters in all)')
    expect(peerText(`abcd${SMILE}xyz`, 6)).toBe(`abcd${SMILE}… (9 characters in all)`)
  })

  test('cuts 10 MB to its window before any processing: fast, and the output bounded', () => {
    peerText('warm up the redaction patterns')
    // every character escaped would make 40 MB: escaping it all takes seconds
    const text = '\u001b'.repeat(TEN_MB)
    expect(text.charCodeAt(TEN_MB - 1)).toBe(0x1b)
    const { value, ms } = timed(() => peerText(text))
    expect(value).toBe(`${'\\x1b'.repeat(75)}… (${TEN_MB} characters in all)`)
    expect(ms).toBeLessThan(250)
  })

  test('redacts before the final cut: a secret that starts before `max` is masked whole, no part of it kept', () => {
    const secret = 'Sx7-peer-text-secret-0123456789'
    registerSecret(secret)
    expect(peerText(`${'a'.repeat(290)}${secret}!`)).toBe(`${'a'.repeat(290)}***!`)
    expect(peerText(`${'a'.repeat(295)}${secret}${'b'.repeat(400)}`)).toBe(`${'a'.repeat(295)}***bb… (726 characters in all)`)
  })
})

describe('excerpt', () => {
  test('an empty body', () => {
    expect(excerpt('', 0)).toBe('(empty)')
  })

  test('a text body on one line; tab, CR and LF are text', () => {
    expect(excerpt('{"status":"down"}\n', 18)).toBe('{"status":"down"}\\n')
    expect(excerpt('a\tb\r\nc', 6)).toBe('a\\tb\\r\\nc')
  })

  test('a binary body is summarized by its size', () => {
    expect(excerpt('PK\u0003\u0004rest', 4096)).toBe('(binary, 4096 bytes)')
    expect(excerpt('\ufffd\ufffd\ufffdPNG', 812)).toBe('(binary, 812 bytes)')
  })

  test('a long body: cut, with its size in bytes', () => {
    expect(excerpt('x'.repeat(500), 8192)).toBe(`${'x'.repeat(300)}… (8192 bytes in all)`)
    expect(excerpt('x'.repeat(50), 50, 10)).toBe('xxxxxxxxxx… (50 bytes in all)')
  })

  test('10 MB of text: fast, and bounded', () => {
    const body = 'y'.repeat(TEN_MB)
    expect(body.charCodeAt(TEN_MB - 1)).toBe(0x79)
    const { value, ms } = timed(() => excerpt(body, TEN_MB))
    expect(value).toBe(`${'y'.repeat(300)}… (${TEN_MB} bytes in all)`)
    expect(ms).toBeLessThan(250)
  })
})

describe('formatBytes', () => {
  test('MiB, KiB or bytes, whole when exact', () => {
    expect(formatBytes(8 * 1024 * 1024)).toBe('8 MiB')
    expect(formatBytes(1.5 * 1024 * 1024)).toBe('1.5 MiB')
    expect(formatBytes(512 * 1024)).toBe('512 KiB')
    expect(formatBytes(1500)).toBe('1500 bytes')
    expect(formatBytes(300)).toBe('300 bytes')
    expect(formatBytes(0)).toBe('0 bytes')
  })
})

describe('formatMs', () => {
  test('two decimals under 1 ms', () => {
    expect(formatMs(0)).toBe('0.00 ms')
    expect(formatMs(0.043)).toBe('0.04 ms')
    expect(formatMs(0.5)).toBe('0.50 ms')
  })

  test('one decimal under 10 ms', () => {
    expect(formatMs(1)).toBe('1.0 ms')
    expect(formatMs(3.74)).toBe('3.7 ms')
    expect(formatMs(9.94)).toBe('9.9 ms')
  })

  test('whole milliseconds from 10 ms, seconds included', () => {
    expect(formatMs(10)).toBe('10 ms')
    expect(formatMs(840.4)).toBe('840 ms')
    expect(formatMs(840.5)).toBe('841 ms')
    expect(formatMs(12_345.6)).toBe('12346 ms')
  })
})

describe('plural', () => {
  test('singular for one, plural otherwise', () => {
    expect(plural(1, 'day')).toBe('1 day')
    expect(plural(-1, 'day')).toBe('-1 day')
    expect(plural(0, 'day')).toBe('0 days')
    expect(plural(4, 'day')).toBe('4 days')
  })

  test('an irregular plural', () => {
    expect(plural(1, 'retry', 'retries')).toBe('1 retry')
    expect(plural(2, 'retry', 'retries')).toBe('2 retries')
  })
})
