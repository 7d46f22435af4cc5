/**
 * The login of `prodcheck serve` for people: with a token, `GET /` without credentials shows
 * a form (one password field, no script); `POST /login` with the right token sets a session
 * cookie and answers 303 to `/`; `POST /logout` ends the session. Machines keep the Bearer
 * header (server.ts); this module only knows forms, sessions and cookies.
 *
 * - **The cookie** is 32 random bytes (base64url), never the token nor derived from it:
 *   `HttpOnly; SameSite=Strict; Path=/; Max-Age` (the session's lifetime), and `Secure` when
 *   the request came over TLS or, with `trustProxy`, with `X-Forwarded-Proto: https`.
 *   Sessions live in memory (their SHA-256, so that a lookup's timing says nothing of an id),
 *   expire, and are capped in number (the oldest is evicted).
 * - **Guessing is slow**: a wrong token is answered 401 after {@link FAILURE_DELAY_MS}. While
 *   one of its attempts is pending, and for a backoff doubling with each failure (up to a
 *   minute), a client is answered 429 at once, its token not even compared. Across clients, a
 *   bucket of {@link GLOBAL_BURST} failures refilled at one a second bounds parallel guessing,
 *   and with it the number of delayed answers pending at once.
 * - **Bodies are capped first**: {@link BODY_LIMIT_BYTES} and {@link BODY_TIMEOUT_MS}, or 413 /
 *   408 and the connection closed.
 * - **Cross-site requests** are refused (403): `Sec-Fetch-Site` must say `same-origin` when a
 *   browser sends it; otherwise an `Origin` must name this host. The cookie is `SameSite=Strict`
 *   besides.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { isIPv6 } from 'node:net'
import type { TLSSocket } from 'node:tls'

/** The name of the session cookie. */
export const SESSION_COOKIE = 'prodcheck_session'
/** How long a session lasts unless told otherwise: a working day. */
export const DEFAULT_SESSION_TTL_MS = 12 * 60 * 60 * 1000
/** Sessions kept at most; a new one evicts the oldest. */
export const MAX_SESSIONS = 1000
/** The wait before a wrong token is answered. */
export const FAILURE_DELAY_MS = 1000
/** Failed logins allowed at once across every client, refilled at one a second. */
export const GLOBAL_BURST = 10
/** The largest login body read: a form with one field needs a few dozen bytes. */
export const BODY_LIMIT_BYTES = 4096
/** The time a client has to send its login body once its headers are in. */
export const BODY_TIMEOUT_MS = 2000

const MAX_BACKOFF_MS = 60_000
/** A client's failures are forgotten this long after its last backoff ended. */
const FORGET_MS = 15 * 60 * 1000
const MAX_CLIENTS = 10_000
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/
const MAX_COOKIE_HEADER_CHARS = 8192
const FORM_TYPE = 'application/x-www-form-urlencoded'

/** A response to write: the same shape as the server's prepared ones, with headers. */
export interface Reply {
  status: number
  type: string
  body: string
  headers?: Record<string, string>
}

/** How the login behaves. */
export interface LoginOptions {
  /** Trust `X-Forwarded-Proto` (for `Secure`) and the last `X-Forwarded-For` address (for the backoff): set it behind a reverse proxy only. */
  trustProxy?: boolean
  /** How long a session lasts (default {@link DEFAULT_SESSION_TTL_MS}). */
  sessionTtlMs?: number
}

/** The login of one server. */
export interface Login {
  /** Whether the request carries the cookie of a live session. */
  session(request: IncomingMessage): boolean
  /** The answer to a request of `/` without credentials: 401 and the form. */
  prompt(request: IncomingMessage): Reply
  /** The answer to a request of `/login` or `/logout`, whatever its method. */
  handle(path: string, request: IncomingMessage): Promise<Reply>
  /** The status page with a logout button, for a browser with a session. */
  withLogout(page: string): string
}

/**
 * Creates the login of a server whose token `verify` recognises (in constant time).
 *
 * @example
 * const login = createLogin({ verify: (candidate) => timingSafeEqual(digest(candidate), expected), trustProxy: true })
 * if (path === '/login') send(response, await login.handle(path, request))
 */
export function createLogin({
  verify,
  trustProxy = false,
  sessionTtlMs = DEFAULT_SESSION_TTL_MS,
}: LoginOptions & { verify(candidate: string): boolean }): Login {
  if (!Number.isInteger(sessionTtlMs) || sessionTtlMs < 1000)
    throw new RangeError(`sessionTtlMs must be a whole number of ms, at least 1000, got ${sessionTtlMs}`)
  const sessions = new Sessions(sessionTtlMs)
  const throttle = new Throttle()
  const maxAge = Math.ceil(sessionTtlMs / 1000)

  async function logIn(request: IncomingMessage): Promise<Reply> {
    if (!isForm(request.headers['content-type'])) return close(text(415, `send the token as ${FORM_TYPE}\n`))
    const body = await readBody(request).catch((error: BodyError) => error)
    if (body instanceof BodyError) return close(text(body.status, `${body.message}\n`))
    const client = clientOf(request, trustProxy)
    const waitMs = throttle.wait(client)
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000)
      return { ...form(429, `Too many failed attempts: try again in ${seconds} s.`), headers: { 'retry-after': String(seconds) } }
    }
    const token = (new URLSearchParams(body).get('token') ?? '').trim()
    if (token !== '' && verify(token)) {
      throttle.succeeded(client)
      return {
        ...text(303, 'logged in: see /\n'),
        headers: { location: '/', 'set-cookie': cookie(sessions.create(), maxAge, isSecure(request, trustProxy)) },
      }
    }
    throttle.failed(client)
    await delay(FAILURE_DELAY_MS)
    return challenge(form(401, 'That is not the token. Try again.'))
  }

  async function logOut(request: IncomingMessage): Promise<Reply> {
    const body = await readBody(request).catch((error: BodyError) => error)
    if (body instanceof BodyError) return close(text(body.status, `${body.message}\n`))
    for (const id of sessionIds(request.headers.cookie)) sessions.revoke(id)
    return { ...text(303, 'logged out: see /\n'), headers: { location: '/', 'set-cookie': cookie('', 0, isSecure(request, trustProxy)) } }
  }

  return {
    session: (request) => sessionIds(request.headers.cookie).some((id) => sessions.valid(id)),
    prompt(request) {
      // a cookie that no longer opens a session: say so, and clear it
      if (sessionIds(request.headers.cookie).length === 0) return challenge(form(401))
      const reply = challenge(form(401, 'Your session has ended: log in again.'))
      return { ...reply, headers: { ...reply.headers, 'set-cookie': cookie('', 0, isSecure(request, trustProxy)) } }
    },
    async handle(path, request) {
      if (request.method !== 'POST') return { ...text(405, `method ${request.method} not allowed: use POST\n`), headers: { allow: 'POST' } }
      if (!sameOrigin(request, trustProxy)) return close(text(403, 'cross-site request refused\n'))
      return path === '/logout' ? logOut(request) : logIn(request)
    },
    withLogout(page) {
      const end = page.lastIndexOf('</body>')
      return end < 0 ? page : `${page.slice(0, end)}${LOGOUT}\n${page.slice(end)}`
    },
  }
}

/**
 * The login form: one password field posted to `/login`, no script.
 *
 * @example
 * renderLogin('That is not the token. Try again.') // '<!doctype html>…<form method="post" action="/login">…'
 */
export function renderLogin(message?: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>prodcheck: log in</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; padding: 1rem; color: #1f2328; background: #fff; }
  h1 { font-size: 1.2rem; margin: 0 0 1rem; }
  form { display: flex; flex-wrap: wrap; gap: .5rem; max-width: 28rem; }
  label { flex-basis: 100%; color: #59636e; font-size: .85rem; }
  input { flex: 1 1 12rem; font: inherit; padding: .4rem .5rem; border: 1px solid #d1d9e0; border-radius: .25rem; }
  button { font: inherit; padding: .4rem .9rem; border: 0; border-radius: .25rem; background: #1f2328; color: #fff; }
  .error { color: #cf222e; font-weight: 600; }
</style>
</head>
<body>
<h1>prodcheck</h1>
${message ? `<p class="error" role="alert">${message}</p>\n` : ''}<form method="post" action="/login">
<label for="token">Token (as given to prodcheck serve)</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Log in</button>
</form>
</body>
</html>
`
}

const LOGOUT =
  '<form method="post" action="/logout" style="margin:1rem 0 0"><button type="submit" style="font:inherit;padding:.3rem .8rem">Log out</button></form>'

/**
 * The sessions of one server, in memory: random ids, kept by their SHA-256, with an absolute
 * expiry. Insertion order is expiry order (one lifetime for all), so the oldest go first.
 *
 * @example
 * const sessions = new Sessions(12 * 3600_000)
 * const id = sessions.create()
 * sessions.valid(id) // true
 */
export class Sessions {
  readonly #expiries = new Map<string, number>()

  constructor(
    private readonly ttlMs: number,
    private readonly max = MAX_SESSIONS,
  ) {}

  /** Starts a session; returns its id (the cookie's value). */
  create(now = Date.now()): string {
    this.#prune(now)
    while (this.#expiries.size >= this.max) this.#expiries.delete(this.#expiries.keys().next().value as string)
    const id = randomBytes(32).toString('base64url')
    this.#expiries.set(hash(id), now + this.ttlMs)
    return id
  }

  /** Whether `id` names a live session. */
  valid(id: string, now = Date.now()): boolean {
    if (!SESSION_ID.test(id)) return false
    this.#prune(now)
    return this.#expiries.has(hash(id))
  }

  /** Ends the session `id`, if any. */
  revoke(id: string): void {
    if (SESSION_ID.test(id)) this.#expiries.delete(hash(id))
  }

  /** The number of live sessions. */
  get size(): number {
    return this.#expiries.size
  }

  #prune(now: number): void {
    for (const [key, expiry] of this.#expiries) {
      if (expiry > now) return
      this.#expiries.delete(key)
    }
  }
}

/**
 * How long a client must wait before its next login attempt is compared: a backoff per
 * client (one attempt at a time, doubling with each failure up to a minute, forgotten after
 * a quarter of an hour), and a bucket of failures shared by all clients.
 *
 * @example
 * const throttle = new Throttle()
 * if (throttle.wait(client) > 0) return tooMany()
 * verify(token) ? throttle.succeeded(client) : throttle.failed(client)
 */
export class Throttle {
  readonly #clients = new Map<string, { failures: number; until: number }>()
  #tokens: number
  #refilledAt?: number

  constructor(
    private readonly burst = GLOBAL_BURST,
    private readonly perSecond = 1,
    private readonly maxClients = MAX_CLIENTS,
  ) {
    this.#tokens = burst
  }

  /** The ms `client` must wait before an attempt is compared; 0: now. */
  wait(client: string, now = Date.now()): number {
    this.#refill(now)
    const own = Math.max(0, (this.#clients.get(client)?.until ?? 0) - now)
    const shared = this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.perSecond) * 1000)
    return Math.max(own, shared)
  }

  /** Records a wrong token from `client`. */
  failed(client: string, now = Date.now()): void {
    this.#refill(now)
    this.#tokens -= 1
    const previous = this.#clients.get(client)
    const failures = previous && now - previous.until < FORGET_MS ? previous.failures + 1 : 1
    // re-inserted: the map's order is the order of the last failure, the oldest evicted first
    this.#clients.delete(client)
    this.#clients.set(client, { failures, until: now + Math.min(FAILURE_DELAY_MS * 2 ** (failures - 1), MAX_BACKOFF_MS) })
    if (this.#clients.size > this.maxClients) this.#clients.delete(this.#clients.keys().next().value as string)
  }

  /** Records the right token from `client`: its failures are forgotten. */
  succeeded(client: string): void {
    this.#clients.delete(client)
  }

  #refill(now: number): void {
    if (this.#refilledAt !== undefined) this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#refilledAt) / 1000) * this.perSecond)
    this.#refilledAt = now
  }
}

/** A body refused: too large (413), too slow (408), or cut off (400). */
export class BodyError extends Error {
  constructor(
    readonly status: 408 | 413 | 400,
    message: string,
  ) {
    super(message)
  }
}

/**
 * Reads a request body of at most `limit` bytes within `timeoutMs`, or rejects with a
 * {@link BodyError}, keeping nothing beyond the limit.
 *
 * @example
 * const form = new URLSearchParams(await readBody(request))
 */
export function readBody(request: IncomingMessage, limit = BODY_LIMIT_BYTES, timeoutMs = BODY_TIMEOUT_MS): Promise<string> {
  const tooLarge = (): BodyError => new BodyError(413, `the body is larger than ${limit} bytes`)
  if (Number(request.headers['content-length'] ?? 0) > limit) return Promise.reject(tooLarge())
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const settle = (error?: BodyError): void => {
      clearTimeout(timer)
      request.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onClose)
      if (error) reject(error)
      else resolve(Buffer.concat(chunks).toString('utf8'))
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) settle(tooLarge())
      else chunks.push(chunk)
    }
    const onEnd = (): void => settle()
    const onClose = (): void => settle(new BodyError(400, 'the body was cut off'))
    const timer = setTimeout(() => settle(new BodyError(408, `the body did not arrive within ${timeoutMs} ms`)), timeoutMs)
    request.on('data', onData).on('end', onEnd).on('close', onClose).on('error', onClose)
  })
}

/**
 * The session ids the `Cookie` header carries (every cookie of that name, as a browser sends
 * a cookie set for a parent domain too).
 *
 * @example
 * sessionIds('theme=dark; prodcheck_session=abc') // ['abc']
 */
export function sessionIds(header: string | undefined): string[] {
  if (!header) return []
  const ids: string[] = []
  for (const pair of header.slice(0, MAX_COOKIE_HEADER_CHARS).split(';')) {
    const at = pair.indexOf('=')
    if (at > 0 && pair.slice(0, at).trim() === SESSION_COOKIE) ids.push(pair.slice(at + 1).trim())
  }
  return ids
}

/**
 * The `Set-Cookie` value of a session (`maxAgeS` 0 clears it).
 *
 * @example
 * cookie(id, 43_200, false) // 'prodcheck_session=…; Max-Age=43200; Path=/; HttpOnly; SameSite=Strict'
 */
export function cookie(id: string, maxAgeS: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${id}; Max-Age=${maxAgeS}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`
}

/**
 * Whether the request reached us over TLS, directly or (with `trustProxy`) at the proxy.
 *
 * @example
 * isSecure(request, true) // true behind a proxy that sent X-Forwarded-Proto: https
 */
export function isSecure(request: IncomingMessage, trustProxy: boolean): boolean {
  if ((request.socket as Partial<TLSSocket>).encrypted === true) return true
  return trustProxy && firstValue(request.headers['x-forwarded-proto'])?.toLowerCase() === 'https'
}

/**
 * Whether a POST comes from a page of this server: `Sec-Fetch-Site: same-origin` when the
 * browser sends it (every current one does), else an `Origin` naming this host; a client that
 * sends neither is no browser, and cannot be used across sites.
 *
 * @example
 * sameOrigin(request, false) // false for a form posted from another site
 */
export function sameOrigin(request: IncomingMessage, trustProxy: boolean): boolean {
  const site = request.headers['sec-fetch-site']
  if (site !== undefined) return site === 'same-origin'
  const origin = request.headers.origin
  if (origin === undefined) return true
  const host = (trustProxy && firstValue(request.headers['x-forwarded-host'])) || request.headers.host
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase()
  } catch {
    return false
  }
}

/**
 * Who is trying, for the backoff: the peer's address, or with `trustProxy` the address the
 * proxy appended last to `X-Forwarded-For`; IPv6 addresses by their /64, as one host has one.
 *
 * @example
 * clientOf(request, false) // '2001:db8:0:1::/64' for a peer at 2001:db8:0:1::5
 */
export function clientOf(request: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy
    ? String(request.headers['x-forwarded-for'] ?? '')
        .slice(-256)
        .split(',')
        .pop()
        ?.trim()
    : undefined
  const address = forwarded || request.socket.remoteAddress || ''
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)
  if (v4?.[1]) return v4[1]
  if (!isIPv6(address)) return address.slice(0, 64)
  const [head = '', tail] = address.toLowerCase().split('::')
  const groups = head === '' ? [] : head.split(':')
  // a "::" after the first four groups leaves them as they are; before, it stands for zeros
  while (tail !== undefined && groups.length < 4) groups.push('0')
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`
}

function isForm(type: string | undefined): boolean {
  return type?.split(';')[0]?.trim().toLowerCase() === FORM_TYPE
}

function firstValue(header: string | string[] | undefined): string | undefined {
  return (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim()
}

function hash(id: string): string {
  return createHash('sha256').update(id).digest('base64url')
}

function text(status: number, body: string): Reply {
  return { status, type: 'text/plain; charset=utf-8', body }
}

function form(status: number, message?: string): Reply {
  return { status, type: 'text/html; charset=utf-8', body: renderLogin(message) }
}

function challenge(reply: Reply): Reply {
  return { ...reply, headers: { ...reply.headers, 'www-authenticate': 'Bearer realm="prodcheck"' } }
}

/** A refused request whose body may still be coming: the connection ends with the answer. */
function close(reply: Reply): Reply {
  return { ...reply, headers: { ...reply.headers, connection: 'close' } }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
