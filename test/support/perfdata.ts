/**
 * A Nagios perfdata parser after the plugin guidelines, strict: an entry that does not parse
 * throws, as a strict consumer (Monitoring::Plugin::Performance drops it) would lose it.
 */

/** One performance datum: `'label'=value[UOM];[warn];[crit];[min];[max]`. */
export interface PerfDatum {
  label: string
  /** The number; `NaN` for `U` (the plugin could not measure). */
  value: number
  /** `''`, `s`, `ms`, `us`, `%`, `B`, `KB`, `MB`, `TB` or `c`. */
  uom: string
  /** Ranges as written (`10`, `~:5`, `@1:3`), `''` if absent. */
  warn: string
  crit: string
  min: number | undefined
  max: number | undefined
}

const NUMBER = String.raw`-?(?:\d+(?:\.\d*)?|\.\d+)`
const RANGE = `@?(?:~|${NUMBER})?(?::(?:${NUMBER})?)?`
const DATUM = new RegExp(
  String.raw`('(?:[^']|'')+'|[^'=\s]+)=(${NUMBER}|U)(us|ms|s|%|B|KB|MB|TB|c)?(?:;(${RANGE})?(?:;(${RANGE})?(?:;(${NUMBER})?(?:;(${NUMBER})?)?)?)?)?(?=\s|$)`,
  'y',
)

/**
 * Parses perfdata after the Nagios plugin guidelines: space-separated
 * `'label'=value[UOM];[warn];[crit];[min];[max]`, the label quoted if it holds a space (a quote
 * inside written `''`), trailing `;` optional. Throws on the first datum it cannot read.
 *
 * @example
 * parsePerfdata("'api is up'=12.3ms;;2000;0; size=188B;;;0")
 * // [{ label: 'api is up', value: 12.3, uom: 'ms', warn: '', crit: '2000', min: 0, max: undefined }, { label: 'size', … }]
 */
export function parsePerfdata(text: string): PerfDatum[] {
  const data: PerfDatum[] = []
  let at = 0
  for (;;) {
    while (at < text.length && /\s/.test(text[at] ?? '')) at++
    if (at >= text.length) return data
    DATUM.lastIndex = at
    const match = DATUM.exec(text)
    if (!match) throw new Error(`perfdata does not parse at ${JSON.stringify(text.slice(at, at + 80))} (in ${JSON.stringify(text)})`)
    const [, label = '', value = '', uom = '', warn = '', crit = '', min, max] = match
    data.push({
      label: label.startsWith("'") ? label.slice(1, -1).replace(/''/g, "'") : label,
      value: value === 'U' ? Number.NaN : Number(value),
      uom,
      warn,
      crit,
      min: min === undefined ? undefined : Number(min),
      max: max === undefined ? undefined : Number(max),
    })
    at = DATUM.lastIndex
  }
}
