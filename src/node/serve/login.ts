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
import type { IncomingMessage } from 'node:http'
import { isIPv6 } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { BODY_LIMIT_BYTES, BodyError, readBody } from './request-body.ts'
import { Sessions } from './sessions.ts'
import { FAILURE_DELAY_MS, Throttle } from './throttle.ts'

/** The name of the session cookie. */
export const SESSION_COOKIE = 'prodcheck_session'
/** How long a session lasts unless told otherwise: a working day. */
export const DEFAULT_SESSION_TTL_MS = 12 * 60 * 60 * 1000

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
