/**
 * Secret redaction: every message, report and endpoint text goes through {@link redact}.
 *
 * Three layers, so that a secret is scrubbed even when a driver echoes it in its own words:
 * - patterns: URL userinfo passwords (even with an unencoded `@` inside), secret-looking query parameters, `Authorization`
 *   and `Bearer` values;
 * - a registry of known secret values: credentials found in targets and the values of
 *   environment variables whose names look secret (`*PASSWORD*`, `*SECRET*`, `*TOKEN*`,
 *   `*KEY*`, `*CREDENTIALS*`, `*PRIVATE*`);
 * - both in their URL-encoded forms as well.
 *
 * The registry lives on `globalThis`, so the environment, the matchers and the reporters
 * share it even when a runner loads them as separate module instances.
 *
 * @module
 */

/** What a secret is replaced with. */
export const MASK = '***'

/** Values shorter than this are not registered: masking them everywhere would garble messages. */
const MIN_SECRET_LENGTH = 4

const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE|AUTHORIZATION|COOKIE/i
const SECRET_PARAM = /^(?:.*(?:password|passwd|pwd|pass|secret|token|key|credential|signature|session|auth|jwt)|sig|code)$/i

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
  for (const form of [encodeURIComponent(value), safeDecode(value)]) {
    if (form.length >= MIN_SECRET_LENGTH) registry.add(form)
  }
}

/**
 * Whether an environment variable or header name looks like it holds a secret.
 *
 * @example
 * isSecretName('DB_PASSWORD') // true
 * isSecretName('PORT') // false
 */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name)
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
    if (isSecretName(name)) registerSecret(value, scope)
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
  for (const [name, value] of url.searchParams) if (SECRET_PARAM.test(name)) registerSecret(value, scope)
}

const WEB_SCHEME = /^(https?|wss?):$/i
/** `scheme://` + everything up to the last `@` of the line: the userinfo of a URL that may not parse. */
const RAW_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)(.*)@/i

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

/**
 * Replaces every secret in a text with `***`: URL passwords, secret query parameters,
 * `Authorization`/`Bearer` values and every registered secret value.
 *
 * @example
 * redact('postgres://app:s3cret@db:5432/app?sslmode=require&token=abc')
 * // 'postgres://app:***@db:5432/app?sslmode=require&token=***'
 */
export function redact(text: string): string {
  // every pattern is bounded: redact runs on whole response bodies, and must stay linear
  let out = text
    // scheme://user:password@host → scheme://user:***@host
    .replace(/([a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/?#@]{0,256}):([^\s/?#]{0,2048})@/gi, (_, head: string, pw: string) => (pw ? `${head}:${MASK}@` : `${head}:@`))
    // https://token@host → https://***@host (a user name alone, on the web, is a token)
    .replace(/\b((?:https?|wss?):\/\/)([^\s:/?#@]{1,2048})@/gi, `$1${MASK}@`)
    // ?token=…&api_key=… (stops at &, #, whitespace and quotes)
    .replace(/([?&;])([^=&#\s"'<>]{1,64})=([^&#\s"'<>]*)/g, (whole, sep: string, name: string, value: string) =>
      value && SECRET_PARAM.test(safeDecode(name)) ? `${sep}${name}=${MASK}` : whole,
    )
    // "authorization":"…", authorization: ['…'] (JSON, inspected objects): the quoted value
    .replace(/(\b(?:proxy-)?authorization["']?\s*[:=]\s*\[?\s*["'])([^"'\r\n]+)/gi, `$1${MASK}`)
    // Authorization: … at the start of a line (a header block): the rest of the line
    .replace(/^(\s*(?:proxy-)?authorization\s*:\s*)(?!["'[])(.+)$/gim, `$1${MASK}`)
    .replace(/\b(Bearer|Basic|Token|ApiKey|Digest)\s+[A-Za-z0-9._~+/=-]{4,}/g, `$1 ${MASK}`)
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
