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
  'password', 'passwd', 'passphrase', 'pass', 'pwd', 'secret', 'secrets', 'token', 'tokens', 'key', 'keys', 'apikey',
  'credential', 'credentials', 'creds', 'auth', 'authorization', 'cookie', 'cookies', 'session', 'sessionid', 'sid',
  'signature', 'sig', 'otp', 'jwt', 'private', 'privatekey', 'bearer', 'csrf', 'xsrf',
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
  for (const form of [encodeURIComponent(value), safeDecode(value), JSON.stringify(value).slice(1, -1)]) {
    if (form.length >= MIN_SECRET_LENGTH) registry.add(form)
  }
}

/** The words of a name: split at punctuation and camelCase humps, lower case. */
function wordsOf(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/)
}

function isSecretWord(word: string): boolean {
  return SECRET_WORDS.has(word) || SECRET_ENDINGS.some((ending) => word.length > ending.length && word.endsWith(ending))
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
  if (name.length > 128 || NOT_SECRET_VARIABLES.has(name)) return false
  let known = secretNames.get(name)
  if (known === undefined) {
    known = wordsOf(name).some(isSecretWord)
    if (secretNames.size >= 4096) secretNames.clear()
    secretNames.set(name, known)
  }
  return known
}

/** Names already judged by {@link isSecretName}: redaction asks about the same few names again and again. */
const secretNames = new Map<string, boolean>()

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
  // `Bearer abc`, `Basic dXNl`: the credential alone is echoed too
  const credential = /^(?:Bearer|Basic|Token|ApiKey|Digest)[ \t]+(\S{4,})$/i.exec(value.trim())?.[1]
  if (credential) registerSecret(credential, scope)
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
    const userinfo = RAW_USERINFO.exec(target)?.[2]
    if (userinfo) registerSecret(userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : userinfo, scope)
    return
  }
  if (url.password) registerSecret(safeDecode(url.password), scope)
  // https://<token>@host: a user name alone, on the web, is a token
  else if (url.username && WEB_SCHEME.test(url.protocol)) registerSecret(safeDecode(url.username), scope)
  for (const [name, value] of url.searchParams) if (isSecretParam(name)) registerSecret(value, scope)
}

const WEB_SCHEME = /^(https?|wss?):$/i
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
const SECRET_LITERALS = new RegExp([...new Set([...SECRET_WORDS, ...SECRET_ENDINGS, ...SECRET_PARAMS])].sort((a, b) => b.length - a.length).join('|'), 'gi')

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
  for (const secret of sortedSecrets(registryOf())) {
    if (out.includes(secret)) out = out.split(secret).join(MASK)
  }
  return out
}

/**
 * Redacts every string inside a JSON-like value (objects, arrays), returning a copy.
 *
 * @example
 * redactDeep({ url: 'redis://:pw12@cache', n: 1 }) // { url: 'redis://:***@cache', n: 1 }
 */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T
  if (Array.isArray(value)) return value.map(redactDeep) as T
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T
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
