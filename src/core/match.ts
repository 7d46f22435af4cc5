/**
 * Partial deep matching of a JSON value, reporting every mismatch with its path.
 *
 * @module
 */

/**
 * Compares `actual` against the partial shape `expected` and returns one sentence per
 * mismatch, each naming its JSON path. Objects match when every key of `expected`
 * matches (extra keys in `actual` are fine); arrays must have the same length and match
 * element by element; a RegExp matches a string; anything else compares with `Object.is`.
 *
 * @example
 * matchPartial({ status: 'down', version: '2.1' }, { status: 'up', version: /^2\./ })
 * // ['$.status is "down", expected "up"']
 */
export function matchPartial(actual: unknown, expected: unknown, path = '$'): string[] {
  if (expected instanceof RegExp) {
    if (typeof actual === 'string' && matches(expected, actual)) return []
    return [`${path} is ${show(actual)}, expected a string matching ${String(expected)}`]
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path} is ${show(actual)}, expected an array of ${expected.length}`]
    if (actual.length !== expected.length) return [`${path} has ${actual.length} items, expected ${expected.length}`]
    return expected.flatMap((item, i) => matchPartial(actual[i], item, `${path}[${i}]`))
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [`${path} is ${show(actual)}, expected an object`]
    return Object.entries(expected).flatMap(([key, value]) => {
      const child = /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`
      if (!Object.hasOwn(actual, key)) return [`${child} is missing, expected ${show(value)}`]
      return matchPartial((actual as Record<string, unknown>)[key], value, child)
    })
  }
  return Object.is(actual, expected) ? [] : [`${path} is ${show(actual)}, expected ${show(expected)}`]
}

/** Tests a RegExp without the `lastIndex` trap of global/sticky expressions. */
export function matches(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0
  const result = pattern.test(text)
  pattern.lastIndex = 0
  return result
}

/** A value in a failure line: at most 60 characters, whatever its size (it is never rendered whole). */
function show(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value instanceof RegExp) return String(value)
  const text = preview(value, 61)
  return text.length > 60 ? `${text.slice(0, 60)}…` : text
}

/**
 * JSON of `value`, stopped once `budget` characters are written, or 16 levels deep: the cost
 * is bounded by the budget, not by the value (a peer may send `[[[…]]]` a million deep).
 */
function preview(value: unknown, budget: number, depth = 16): string {
  if (depth === 0 && value !== null && typeof value === 'object') return '…'
  if (value === null || typeof value !== 'object') {
    const text =
      typeof value === 'string' ? JSON.stringify(value.length > budget ? value.slice(0, budget) : value) : (JSON.stringify(value) ?? String(value))
    return text.length > budget ? text.slice(0, budget) : text
  }
  // items are visited one by one and the walk stops at the budget: a million items cost a few
  let out = Array.isArray(value) ? '[' : '{'
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && out.length < budget; i++) out += `${i > 0 ? ',' : ''}${preview(value[i], budget - out.length, depth - 1)}`
  } else {
    for (const key in value) {
      if (out.length >= budget) break
      if (!Object.hasOwn(value, key)) continue
      out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${preview((value as Record<string, unknown>)[key], budget - out.length, depth - 1)}`
    }
  }
  out += Array.isArray(value) ? ']' : '}'
  return out.length > budget ? out.slice(0, budget) : out
}
