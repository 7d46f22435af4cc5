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
const SECRET_PARAM = /^(?:.*(?:password|passwd|pwd|secret|token|key|credential|signature|session|auth)|sig|code)$/i

const REGISTRY_KEY = Symbol.for('prodcheck.secrets')
const holder = globalThis as typeof globalThis & { [REGISTRY_KEY]?: Set<string> }
holder[REGISTRY_KEY] ??= new Set<string>()
const registry: Set<string> = holder[REGISTRY_KEY]

/**
 * Registers a secret value so that {@link redact} replaces it wherever it appears.
 *
 * @example
 * registerSecret(process.env.API_TOKEN)
 * redact(`calling with ${process.env.API_TOKEN}`) // 'calling with ***'
 */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return
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
export function registerEnvSecrets(env: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue
    if (isSecretName(name)) registerSecret(value)
    if (value.includes('://')) registerUrlSecrets(value)
  }
}

/**
 * Registers the password (and secret query parameters) of a URL-like target.
 *
 * @example
 * registerUrlSecrets('redis://:hunter22@cache:6379') // registers 'hunter22'
 */
export function registerUrlSecrets(target: string): void {
  let url: URL
  try {
    url = new URL(target)
  } catch {
    return
  }
  if (url.password) registerSecret(safeDecode(url.password))
  for (const [name, value] of url.searchParams) if (SECRET_PARAM.test(name)) registerSecret(value)
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
  let out = text
    // scheme://user:password@host → scheme://user:***@host (password may be empty-user form :pw@)
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*):([^\s/?#]*)@/gi, (_, head: string, pw: string) => (pw ? `${head}:${MASK}@` : `${head}:@`))
    // ?token=…&api_key=… (stops at &, #, whitespace and quotes)
    .replace(/([?&;])([^=&#\s"'<>]+)=([^&#\s"'<>]*)/g, (whole, sep: string, name: string, value: string) =>
      value && SECRET_PARAM.test(safeDecode(name)) ? `${sep}${name}=${MASK}` : whole,
    )
    // Authorization: Basic xyz / Proxy-Authorization: … / "authorization":"…"
    .replace(/((?:proxy-)?authorization["']?\s*[:=]\s*["']?)([^"'\r\n,}]+)/gi, `$1${MASK}`)
    .replace(/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{4,}/g, `$1 ${MASK}`)
  if (registry.size > 0) {
    // longest first, so that a secret containing another is masked whole
    for (const secret of [...registry].sort((a, b) => b.length - a.length)) {
      if (out.includes(secret)) out = out.split(secret).join(MASK)
    }
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
