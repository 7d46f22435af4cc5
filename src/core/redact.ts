/**
 * Secret redaction: every message, report and endpoint text goes through {@link redact},
 * in the test worker and again in the runner process (CLI, reporters, serve), each with a
 * registry built from its own environment.
 *
 * Three layers, so that a secret is scrubbed even when a driver or a peer echoes it:
 * - patterns: URL userinfo passwords (even with an unencoded `@` inside), secret-looking
 *   query parameters, header lines, JSON and inspected-object keys, `Bearer`-style values;
 * - a registry of known secret values: credentials found in targets, the values of
 *   secret-looking request headers and of each cookie, and the values of environment
 *   variables whose names look secret ({@link isSecretName});
 * - each secret in its raw, URL-encoded, URL-decoded and JSON-escaped forms.
 *
 * The patterns are one linear scan (redact-patterns.ts): 1 MiB of adversarial text takes
 * a few milliseconds. Redacting is idempotent, and leaves the text around a secret as it was.
 *
 * The registry lives on `globalThis`, so the environment, the matchers and the reporters
 * share it even when a runner loads them as separate module instances.
 *
 * @module
 */
import { inspect } from 'node:util'
import { LONGEST_PATTERN, maskSpans, type SecretNames, secretSpans } from './redact-patterns.ts'

/** What a secret is replaced with. */
export const MASK = '***'

/** Values shorter than this are not registered: masking them everywhere would garble messages. */
const MIN_SECRET_LENGTH = 4

/**
 * The words that make a name secret, wherever they appear as a word of it (`DB_PASSWORD`,
 * `X-Auth-Token`, `apiKey`, `session_id`): see the table in docs/redaction.md.
 */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'passphrase',
  'passcode',
  'pass',
  'pwd',
  'pw',
  'pgpass',
  'userpass',
  'dbpass',
  'pin',
  'secret',
  'secrets',
  'token',
  'tokens',
  'key',
  'keys',
  'apikey',
  'credential',
  'credentials',
  'creds',
  'auth',
  'authorization',
  'authentication',
  'cookie',
  'cookies',
  'session',
  'sessionid',
  'sid',
  'signature',
  'sig',
  'hmac',
  'otp',
  'jwt',
  'private',
  'privatekey',
  'bearer',
  'csrf',
  'xsrf',
])
/** Endings that make a compound word secret (`PGPASSWORD`, `authtoken`, `accesskey`); not `auth`, which error codes end with (`EAUTH`). */
const SECRET_ENDINGS = ['password', 'passwd', 'secret', 'token', 'key', 'session', 'signature', 'credential', 'credentials', 'cookie']
/** Query parameters that are secret beyond the secret names (OAuth codes). */
const SECRET_PARAMS = new Set(['code'])
/** Environment variables whose names contain a secret word but hold no secret. */
const NOT_SECRET_VARIABLES = new Set(['PWD', 'OLDPWD'])
/** Values too common to be secrets: registering them would mask every `true` in every message. */
const TRIVIAL_VALUE = /^(?:true|false|yes|no|on|off|none|null|nil|undefined|enabled|disabled|\d{1,5})$/i

const REGISTRY_KEY = Symbol.for('prodcheck.secrets')

/**
 * The secret registry of a global scope (this one by default). A test environment that
 * runs tests in another scope (Jest's vm context) seeds that scope's registry.
 */
function registryOf(scope: object = globalThis): Set<string> {
  const holder = scope as { [REGISTRY_KEY]?: Set<string> }
  holder[REGISTRY_KEY] ??= new Set<string>()
  return holder[REGISTRY_KEY]
}

/** The registered secrets, longest first (so that a secret containing another is masked whole); sorted again only when the registry grew. */
const longestFirst = new WeakMap<Set<string>, { size: number; sorted: string[] }>()
function sortedSecrets(registry: Set<string>): string[] {
  const cached = longestFirst.get(registry)
  if (cached && cached.size === registry.size) return cached.sorted
  const sorted = [...registry].sort((a, b) => b.length - a.length)
  longestFirst.set(registry, { size: registry.size, sorted })
  return sorted
}

/**
 * How many characters beyond a cut must be kept for {@link redact} to see every secret
 * that starts before the cut: the longest pattern or registered secret. Text limits cut
 * to (length + margin), redact, then cut to length.
 *
 * @example
 * redact(text.slice(0, 300 + redactionMargin())).slice(0, 300)
 */
export function redactionMargin(): number {
  return LONGEST_PATTERN + (sortedSecrets(registryOf())[0]?.length ?? 0)
}

/**
 * Registers a secret value so that {@link redact} replaces it wherever it appears.
 *
 * @example
 * registerSecret(process.env.API_TOKEN)
 * redact(`calling with ${process.env.API_TOKEN}`) // 'calling with ***'
 */
export function registerSecret(value: string | undefined | null, scope?: object): void {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return
  const registry = registryOf(scope)
  if (registry.has(value)) return
  registry.add(value)
  // the forms reports print it in: URL-encoded, decoded, JSON-escaped, quoted by util.inspect
  // (console.log, Vitest's diffs), and line by line for a multi-line secret (a PEM key in a diff)
  // and single-quoted by Vitest's assertion messages (loupe: `'it\'s'`)
  const forms = [
    encodeURIComponent(value),
    safeDecode(value),
    JSON.stringify(value).slice(1, -1),
    inspect(value).slice(1, -1),
    value.replace(/\\/g, '\\\\').replace(/'/g, "\\'"),
  ]
  if (value.includes('\n')) forms.push(...value.split(/\r?\n/).filter((line) => line.trim().length >= MIN_LINE_LENGTH))
  for (const form of forms) if (form.length >= MIN_SECRET_LENGTH) registry.add(form)
}

/** Lines of a multi-line secret shorter than this are not registered on their own (`-----END KEY-----` is). */
const MIN_LINE_LENGTH = 8

/** A trie of words over a–z and 0–9: looked up one character at a time, lower-cased on the way, without a copy. */
interface Trie {
  next: Array<Trie | undefined>
  end: boolean
}

function trie(words: Iterable<string>, reversed = false): Trie {
  const root: Trie = { next: [], end: false }
  for (const word of words) {
    let node = root
    for (const c of reversed ? [...word].reverse() : word) {
      const slot = slotOf(c.charCodeAt(0))
      node.next[slot] ??= { next: [], end: false }
      node = node.next[slot] as Trie
    }
    node.end = true
  }
  return root
}

/** The slot of a letter (either case) or digit in a trie, or -1. */
function slotOf(c: number): number {
  if (c >= 97 && c <= 122) return c - 97
  if (c >= 65 && c <= 90) return c - 65
  if (c >= 48 && c <= 57) return c - 48 + 26
  return -1
}

const WORDS = trie(SECRET_WORDS)
const ENDINGS = trie(SECRET_ENDINGS, true)

/** Whether name[start, end) is a secret word, or a longer word ending like one. */
function isSecretWordAt(name: string, start: number, end: number): boolean {
  let node: Trie | undefined = WORDS
  for (let i = start; i < end && node; i++) node = node.next[slotOf(name.charCodeAt(i))]
  if (node?.end) return true
  node = ENDINGS
  for (let i = end - 1; i > start && node; i--) {
    node = node.next[slotOf(name.charCodeAt(i))]
    if (node?.end) return true
  }
  return false
}

/**
 * Whether one of the words of a name is secret: words split at punctuation and camelCase
 * humps, any case, trailing digits dropped (`DB_PASSWORD2`, `X-Api-Key2`). One pass over the
 * name, no copy of it: redaction asks this of every name it meets.
 */
function hasSecretWord(name: string): boolean {
  let start = 0
  for (let i = 0; i <= name.length; i++) {
    const c = i < name.length ? name.charCodeAt(i) : -1
    const alnum = slotOf(c) !== -1
    const hump = c >= 65 && c <= 90 && i > start && isLowerOrDigit(name.charCodeAt(i - 1))
    if (alnum && !hump) continue
    let end = i
    while (end > start && name.charCodeAt(end - 1) >= 48 && name.charCodeAt(end - 1) <= 57) end--
    if (end > start && isSecretWordAt(name, start, end)) return true
    start = hump ? i : i + 1
  }
  return false
}

function isLowerOrDigit(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57)
}

/**
 * Whether an environment variable, header or key name looks like it holds a secret: one
 * of its words is a secret word (`DB_PASSWORD`, `X-Hub-Signature-256`, `X-Session-Id`,
 * `apiKey`), or ends like one (`PGPASSWORD`, `authtoken`).
 *
 * @example
 * isSecretName('DB_PASSWORD') // true
 * isSecretName('X-Auth') // true
 * isSecretName('PORT') // false
 */
export function isSecretName(name: string): boolean {
  if (name.length > 128 || ((name.length === 3 || name.length === 6) && NOT_SECRET_VARIABLES.has(name))) return false
  return hasSecretWord(name)
}

/**
 * Whether a query parameter looks secret: a secret name (`access_token`, `sessionid`,
 * `otp`, `X-Amz-Signature`) or an OAuth `code`.
 *
 * @example
 * isSecretParam('session_id') // true
 * isSecretParam('page') // false
 */
export function isSecretParam(name: string): boolean {
  return isSecretName(name) || SECRET_PARAMS.has(name.toLowerCase())
}

/**
 * Registers a value that a secret-looking name holds, unless it is too common to be one
 * (`true`, `off`, a port number): those are left out, not to mask them everywhere.
 *
 * @example
 * registerNamedSecret('X-Api-Key', 'k-123456') // registered
 * registerNamedSecret('SESSION_SECURE', 'true') // not registered
 */
export function registerNamedSecret(name: string, value: string | undefined, scope?: object): void {
  if (value === undefined || !isSecretName(name) || TRIVIAL_VALUE.test(value.trim())) return
  registerSecret(value, scope)
  // `Bearer abc`, `SSWS abc`, `Basic dXNl`: the credential alone is echoed too, whatever the
  // scheme, and Basic's decoded (`user:password`, and the password)
  const [, scheme = '', credential] = /^([A-Za-z][\w.-]{0,31})[ \t]+(\S{4,})$/.exec(value.trim()) ?? []
  if (!credential) return
  registerSecret(credential, scope)
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(credential, 'base64').toString('utf8')
    if (decoded.includes(':') && !decoded.includes('\ufffd')) {
      registerSecret(decoded, scope)
      registerSecret(decoded.slice(decoded.indexOf(':') + 1), scope)
    }
  }
}

/**
 * Registers the values of secret-looking variables, and the passwords of URL-valued
 * variables (`DATABASE_URL=postgres://app:pw@db/app` registers `pw`).
 *
 * @example
 * registerEnvSecrets(process.env)
 */
export function registerEnvSecrets(env: Record<string, string | undefined>, scope?: object): void {
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue
    registerNamedSecret(name, value, scope)
    if (value.includes('://')) registerUrlSecrets(value, scope)
  }
}

/**
 * Registers the password (and secret query parameters) of a URL-like target.
 *
 * @example
 * registerUrlSecrets('redis://:hunter22@cache:6379') // registers 'hunter22'
 */
export function registerUrlSecrets(target: string, scope?: object): void {
  let url: URL
  try {
    url = new URL(target)
  } catch {
    // not a URL: register what sits where a password would be, in case a driver echoes it
    // (a user name alone is a secret on the web only: `https://<token>@host`)
    const [, scheme = '', userinfo] = RAW_USERINFO.exec(target) ?? []
    if (userinfo?.includes(':')) registerSecret(userinfo.slice(userinfo.indexOf(':') + 1), scope)
    else if (userinfo && /^(https?|wss?):\/\/$/i.test(scheme) && looksLikeToken(userinfo)) registerSecret(userinfo, scope)
    return
  }
  if (url.password) registerSecret(safeDecode(url.password), scope)
  // https://<token>@host: a user name alone, on the web, is a token (masked in URLs whatever
  // it is; registered, to be masked everywhere, when it looks like one: not `admin`)
  else if (url.username && WEB_SCHEME.test(url.protocol) && looksLikeToken(safeDecode(url.username))) registerSecret(safeDecode(url.username), scope)
  for (const [name, value] of url.searchParams) if (isSecretParam(name)) registerSecret(value, scope)
}

const WEB_SCHEME = /^(https?|wss?):$/i

/** A user name that is rather a token: long, or letters mixed with digits (`ghp_1a2B…`, not `admin`). */
function looksLikeToken(user: string): boolean {
  return user.length >= 16 || (user.length >= 8 && /[0-9]/.test(user) && /[A-Za-z]/.test(user))
}
/** `scheme://` + everything up to the last `@` of the line: the userinfo of a URL that may not parse. */
const RAW_USERINFO = /^([a-z][a-z0-9+.-]{0,31}:\/\/)([^\r\n]*)@/i

/**
 * Masks the userinfo of a URL-like input that may not be a valid URL (an unencoded `/`,
 * `#`, `?` or space in the password breaks parsing): everything between `scheme://` and
 * the last `@`. Meant for echoing bad input back in error messages, where masking too
 * much is better than too little.
 *
 * @example
 * redactUnparsed('postgres://app:Gx7/kP9+@db:5432/app') // 'postgres://***@db:5432/app'
 */
export function redactUnparsed(text: string): string {
  return redact(text.replace(RAW_USERINFO, `$1${MASK}@`))
}

/**
 * Redacts input echoed back in an error message: precisely ({@link redact}) when it is a
 * valid URL, wholesale ({@link redactUnparsed}) when it is not.
 *
 * @example
 * redactInput('postgres://app:pw@db/app') // 'postgres://app:***@db/app'
 * redactInput('postgres://app:p/w@db/app') // 'postgres://***@db/app'
 */
export function redactInput(text: string): string {
  try {
    new URL(text)
    return redact(text)
  } catch {
    return redactUnparsed(text)
  }
}

// Bearer abc, Basic dXNl… in free text
const SCHEME_CREDENTIAL = /\b(Bearer|Basic|Token|ApiKey|Digest)[ \t]{1,8}[A-Za-z0-9._~+/=-]{4,}/g

/** Every literal a secret name or parameter contains, longest first: the scan jumps from one to the next. */
const SECRET_LITERALS = new RegExp(
  [...new Set([...SECRET_WORDS, ...SECRET_ENDINGS, ...SECRET_PARAMS])].sort((a, b) => b.length - a.length).join('|'),
  'gi',
)

const NAMES: SecretNames = { name: isSecretName, param: isSecretParam, words: SECRET_LITERALS }

/**
 * Replaces every secret in a text with `***`: URL passwords, secret query parameters,
 * secret header lines and keys, `Bearer`-style values and every registered secret value.
 * Linear in the length of the text; idempotent.
 *
 * @example
 * redact('postgres://app:s3cret@db:5432/app?sslmode=require&token=abc')
 * // 'postgres://app:***@db:5432/app?sslmode=require&token=***'
 */
export function redact(text: string): string {
  let out = maskSpans(text, secretSpans(text, NAMES, MASK), MASK)
  if (out.includes('Bearer') || out.includes('Basic') || out.includes('Token') || out.includes('ApiKey') || out.includes('Digest')) {
    out = out.replace(SCHEME_CREDENTIAL, `$1 ${MASK}`)
  }
  const secrets = sortedSecrets(registryOf())
  out = maskSecrets(out, secrets)
  return out.includes(ELLIPSIS) ? maskCutSecrets(out, secrets) : out
}

/**
 * `://user:***@`: the user of a URL whose password is masked. A user that does not look like
 * a token stays shown even when it is also a registered secret (`amqp://guest:guest@…` reads
 * `amqp://guest:***@…`, not `***:***`); one that does (`https://ghp_…:x-oauth-basic@…`) is
 * masked. No `:` or `/` in the user, so that each character is scanned once.
 */
const MASKED_USERINFO = /:\/\/([^\s:/@]{1,256}):\*\*\*@/g

/** Replaces every registered secret with the mask, but in the user of a URL whose password is masked. */
function maskSecrets(text: string, secrets: readonly string[]): string {
  const replace = (part: string): string => {
    let out = part
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASK)
    return out
  }
  if (!secrets.some((secret) => text.includes(secret))) return text
  if (!text.includes(`:${MASK}@`)) return replace(text)
  let out = ''
  let last = 0
  for (const match of text.matchAll(MASKED_USERINFO)) {
    if (looksLikeToken(safeDecode(match[1] ?? ''))) continue
    const start = match.index + 3
    out += replace(text.slice(last, start)) + (match[1] ?? '')
    last = start + (match[1] ?? '').length
  }
  return out + replace(text.slice(last))
}

const ELLIPSIS = '…'
/** The longest start of a secret looked for before an ellipsis, and the most ellipses looked at. */
const MAX_CUT_PREFIX = 128
const MAX_ELLIPSES = 1024

/**
 * Masks the start of a registered secret that a report cut with an ellipsis (Vitest shows a
 * long value as its first characters and `…`): the part shown is no less secret.
 */
function maskCutSecrets(text: string, secrets: readonly string[]): string {
  // pieces appended once each: rebuilding the whole text at every ellipsis would be quadratic
  let out = ''
  let from = 0
  let seen = 0
  for (let p = text.indexOf(ELLIPSIS); p !== -1 && seen < MAX_ELLIPSES; p = text.indexOf(ELLIPSIS, p + 1), seen++) {
    let longest = 0
    for (const secret of secrets) {
      // the longest k such that the k characters before the ellipsis begin the secret (not reaching back into what was masked)
      for (let j = Math.max(from, p - Math.min(MAX_CUT_PREFIX, secret.length - 1)); j <= p - MIN_SECRET_LENGTH; j++) {
        if (text.charCodeAt(j) === secret.charCodeAt(0) && text.startsWith(secret.slice(0, p - j), j)) {
          longest = Math.max(longest, p - j)
          break
        }
      }
    }
    if (longest > 0) {
      out += `${text.slice(from, p - longest)}${MASK}`
      from = p
    }
  }
  return out + text.slice(from)
}

/**
 * Redacts every string inside a JSON-like value (objects, arrays), returning a copy.
 *
 * @example
 * redactDeep({ url: 'redis://:pw12@cache', n: 1 }) // { url: 'redis://:***@cache', n: 1 }
 */
export function redactDeep<T>(value: T, depth = 16): T {
  if (typeof value === 'string') return redact(value) as T
  // deeper than this, what a value holds is not shown at all
  if (depth === 0 && value && typeof value === 'object') return '(…)' as T
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, depth - 1)) as T
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, depth - 1)])) as T
  }
  return value
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}
