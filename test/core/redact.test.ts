import { describe, expect, test } from 'vitest'
import {
  isSecretName,
  isSecretParam,
  redact,
  redactDeep,
  redactionMargin,
  redactUnparsed,
  registerEnvSecrets,
  registerNamedSecret,
  registerSecret,
  registerUrlSecrets,
} from '../../src/core/redact.ts'

describe('redact', () => {
  test('masks the password of any URL-like DSN, keeping the user', () => {
    expect(redact('postgres://app:s3cret@db:5432/app')).toBe('postgres://app:***@db:5432/app')
    expect(redact('redis://:hunter2@cache:6379/0')).toBe('redis://:***@cache:6379/0')
    expect(redact('amqp://guest:guest@127.0.0.1:5672')).toBe('amqp://guest:***@127.0.0.1:5672')
  })

  test('keeps a user that is also a registered secret, unless it looks like a token', () => {
    registerUrlSecrets('amqp://rabbit:rabbit@mq:5672')
    expect(redact('amqp://rabbit:rabbit@mq:5672')).toBe('amqp://rabbit:***@mq:5672')
    expect(redact('login as rabbit refused')).toBe('login as *** refused')
    registerSecret('ghp_16C7e42F292c6912E7710c838347Ae178B4a')
    expect(redact('https://ghp_16C7e42F292c6912E7710c838347Ae178B4a:x-oauth-basic@github.com/o/r')).toBe('https://***:***@github.com/o/r')
    expect(redact(redact('amqp://rabbit:rabbit@mq:5672'))).toBe('amqp://rabbit:***@mq:5672')
  })

  test('masks a secret in the forms assertion messages quote it in', () => {
    registerSecret("qa01Zq9k'x\\y")
    expect(redact("expected 'qa01Zq9k\\'x\\\\y' to be ''")).toBe("expected '***' to be ''")
  })

  test('registers the credential of any Authorization scheme, and Basic decoded', () => {
    registerNamedSecret('Authorization', 'SSWS hx09Zq9kSSWS')
    expect(redact('token hx09Zq9kSSWS rejected')).toBe('token *** rejected')
    registerNamedSecret('Authorization', `Basic ${Buffer.from('user:hx24Zq9kB').toString('base64')}`)
    expect(redact('echo: user:hx24Zq9kB')).toBe('echo: ***')
    expect(redact('password hx24Zq9kB')).toBe('password ***')
  })

  test('names with a pw word, or a pass compound (PGPASS, USERPASS), are secret', () => {
    for (const name of ['PGPASS', 'DB_USERPASS', 'DB_PW', 'LDAP_BIND_PW', 'X-Pw']) expect(isSecretName(name), name).toBe(true)
    for (const name of ['PWD', 'PATH', 'PORT', 'COMPOSE_PROJECT']) expect(isSecretName(name), name).toBe(false)
  })

  test('a quoted value after a secret name is masked to its quote; the rest of the line stays', () => {
    expect(redact("key: 'abc', status: down")).toBe("key: '***', status: down")
    expect(redact('password: "hunter2" then more')).toBe('password: "***" then more')
    expect(redact('Authorization: Bearer abc def')).toBe('Authorization: ***')
  })

  test('masks a %-encoded URL or query that hides a secret, in a parameter of another', () => {
    expect(redact('https://h/r?u=postgres%3A%2F%2Fapp%3Ant04Zq9k%40db%2Fapp&page=2')).toBe('https://h/r?u=***&page=2')
    expect(redact('https://h/login?next=%2Fcb%3Ftoken%3Dnt01Zq9k')).toBe('https://h/login?next=***')
    expect(redact('https://h/x?q=a%3Db&page=2')).toBe('https://h/x?q=a%3Db&page=2')
  })

  test('masks a secret name glued to a colour code or digits (a peer colouring its output)', () => {
    expect(redact('\u001b[31mpassword=hunter2 \u001b[0m')).toBe('\u001b[31mpassword=*** \u001b[0m')
    expect(redact('2fapassword=hunter2')).toBe('2fapassword=***')
  })

  test('masks a password that contains an unencoded @', () => {
    expect(redact('mysql://root:p@ss@db/app')).toBe('mysql://root:***@db/app')
  })

  test('leaves URLs without credentials alone', () => {
    expect(redact('https://api.example.com:8443/health?verbose=1')).toBe('https://api.example.com:8443/health?verbose=1')
    expect(redact('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080/')
  })

  test('masks secret-looking query parameters only', () => {
    expect(redact('https://x/y?token=abc&page=2&api_key=k3y&X-Amz-Signature=f00')).toBe(
      'https://x/y?token=***&page=2&api_key=***&X-Amz-Signature=***',
    )
    expect(redact('postgres://h/db?sslmode=verify-full&password=pw')).toBe('postgres://h/db?sslmode=verify-full&password=***')
  })

  test('masks Authorization headers and bearer tokens in free text', () => {
    expect(redact('Authorization: Basic dXNlcjpwYXNz')).toBe('Authorization: ***')
    expect(redact('{"authorization":"Bearer abc.def.ghi"}')).toBe('{"authorization":"***"}')
    expect(redact('sent Bearer eyJhbGciOi.payload.sig to upstream')).toBe('sent Bearer *** to upstream')
  })

  test('masks registered secrets wherever a driver echoes them, in raw and URL-encoded form', () => {
    registerSecret('p@ss w0rd!')
    expect(redact('login failed for password p@ss w0rd!')).toBe('login failed for password ***')
    expect(redact('uri=p%40ss%20w0rd!')).toBe('uri=***')
  })

  test('masks the longest secret first', () => {
    registerSecret('abcd')
    registerSecret('abcdefgh')
    expect(redact('x abcdefgh y')).toBe('x *** y')
  })

  test('does not register values too short to mask safely', () => {
    registerSecret('ab')
    expect(redact('tab cab')).toBe('tab cab')
  })

  test('registers secret-looking env variables and passwords inside URL-valued ones', () => {
    registerEnvSecrets({ DB_PASSWORD: 'envpass-1', STRIPE_API_KEY: 'sk_live_123', PORT: '8080', DATABASE_URL: 'postgres://u:urlpass-2@h/d' })
    expect(redact('envpass-1 sk_live_123 8080 urlpass-2')).toBe('*** *** 8080 ***')
  })

  test('registers credentials of targets', () => {
    registerUrlSecrets('https://bot:tok-from-url@git.example.com/?access_token=qs-secret-9')
    expect(redact('echo tok-from-url and qs-secret-9')).toBe('echo *** and ***')
  })

  test('masks a user name alone in web URLs (a token), not in DSNs', () => {
    expect(redact('https://ghp_abcdefghijklmnop1234@git.example.com/x')).toBe('https://***@git.example.com/x')
    expect(redact('postgres://app@db/app')).toBe('postgres://app@db/app')
  })

  test('masks Authorization whatever its scheme and shape', () => {
    expect(redact('Authorization: Digest username="u", response="6629fae49393a05397450978507c4ef1"')).toBe('Authorization: ***')
    expect(redact('{"authorization":["ApiKey abcdef123"]}')).toBe('{"authorization":["***"]}')
    expect(redact("{ authorization: 'Bearer abc.def' }")).toBe("{ authorization: '***' }")
    expect(redact('GET / HTTP/1.1\r\nauthorization: Basic dXNl\r\nhost: x')).toBe('GET / HTTP/1.1\r\nauthorization: ***\r\nhost: x')
  })

  test('masks the whole userinfo of a URL that does not parse', () => {
    expect(redactUnparsed('postgres://app:Gx7/kP9+qR2=@db.prod:5432/app')).toBe('postgres://***@db.prod:5432/app')
    expect(redactUnparsed('mysql://u:has space@h/d')).toBe('mysql://***@h/d')
    registerUrlSecrets('postgres://app:Slash/In-Pass@db/app')
    expect(redact('driver said Slash/In-Pass')).toBe('driver said ***')
  })

  test('recognizes secret names', () => {
    for (const name of [
      'PASSWORD',
      'db_password',
      'API_TOKEN',
      'AWS_SECRET_ACCESS_KEY',
      'GOOGLE_APPLICATION_CREDENTIALS',
      'authorization',
      'x-api-key',
    ]) {
      expect(isSecretName(name), name).toBe(true)
    }
    for (const name of ['PORT', 'HOST', 'NODE_ENV', 'PWD', 'content-type']) expect(isSecretName(name), name).toBe(false)
  })

  test('redacts every string of a JSON-like value', () => {
    expect(redactDeep({ url: 'redis://:pw12@cache', n: 1, list: ['page=2', 'token=x'] })).toEqual({
      url: 'redis://:***@cache',
      n: 1,
      list: ['page=2', 'token=***'],
    })
  })
})

describe('the names that hold secrets (one table: docs/redaction.md)', () => {
  test.each([
    'X-Auth',
    'X-Auth-Token',
    'X-Hub-Signature-256',
    'X-Session-Id',
    'X-Api-Key',
    'apiKey',
    'accessToken',
    'PGPASSWORD',
    'MYSQL_PWD',
    'client_secret',
    'X-CSRF-Token',
    'GITHUB_TOKEN',
    'authtoken',
  ])('%s is secret', (name) => {
    expect(isSecretName(name)).toBe(true)
  })
  test.each(['GIT_AUTHOR_NAME', 'TOKENIZERS_PARALLELISM', 'KEYBOARD', 'PWD', 'OLDPWD', 'BYPASS_CACHE', 'passenger', 'content-length', 'EAUTH'])(
    '%s is not',
    (name) => {
      expect(isSecretName(name)).toBe(false)
    },
  )
  test.each(['session_id', 'sessionid', 'otp', 'sig', 'code', 'X-Amz-Credential', 'refresh_token', 'id_token'])(
    'the query parameter %s is secret',
    (name) => {
      expect(isSecretParam(name)).toBe(true)
      expect(redact(`https://api/x?${name}=v-123&page=2`)).toBe(`https://api/x?${name}=***&page=2`)
    },
  )
  test('values too common to be secrets are not registered: every "true" would be masked', () => {
    registerNamedSecret('SESSION_SECURE', 'true')
    registerNamedSecret('AUTH_PORT', '8443')
    expect(redact('secure is true on port 8443')).toBe('secure is true on port 8443')
    registerNamedSecret('X-Session-Id', 'sess-77aa91')
    expect(redact('echo: sess-77aa91')).toBe('echo: ***')
  })
})

describe('redaction is idempotent and leaves what it does not hide', () => {
  const cases = [
    'toRespondHttp http://127.0.0.1:9/fail?access_token=Tk-1: HTTP 500 Internal Server Error (2 ms)',
    'GET /x?token=abc&page=2 → 200',
    'see https://api/x?api_key=k3y.',
    '(https://api/x?token=abc)',
    'postgres://app:p@ss@db:5432/app and redis://:pw@cache',
    'Authorization: Bearer abc.def\nhost: x',
    '{"password":"hunter2","user":"app"} {"token": ["a", "b"]}',
    "{ authorization: 'Basic dXNl', host: 'db' }",
    'host=db password=s3cr3t dbname=app sslmode=require',
    'X-Api-Key: k-123\r\nX-Trace: t-1',
    'https://ghp_abcdef@github.com/x',
  ]
  test.each(cases)('%s', (text) => {
    const once = redact(text)
    expect(redact(once)).toBe(once)
  })
  test('the text around a secret keeps every character', () => {
    expect(redact('fail?access_token=Tk-1: HTTP 500')).toBe('fail?access_token=***: HTTP 500')
    expect(redact('(see https://api/x?token=abc), then')).toBe('(see https://api/x?token=***), then')
    expect(redact('host=db password=s3cr3t dbname=app')).toBe('host=db password=*** dbname=app')
    expect(redact('X-Api-Key: k-123\r\nX-Trace: t-1')).toBe('X-Api-Key: ***\r\nX-Trace: t-1')
    expect(redact('{"password":"hunter2","user":"app"}')).toBe('{"password":"***","user":"app"}')
    expect(redact('user=app page=2 note: fine "name":"x"')).toBe('user=app page=2 note: fine "name":"x"')
  })
  test('random text: redacting twice changes nothing more', () => {
    const pieces = [
      'token=',
      'password: ',
      '"secret":"',
      "key: '",
      'https://',
      'u:',
      'p@',
      '@h/',
      '?',
      '&',
      ';',
      ' ',
      '\n',
      ':',
      '=',
      '"',
      "'",
      'abc',
      'Bearer ',
      'X-Auth: ',
      '***',
      '.',
      ')',
    ]
    let seed = 11
    for (let round = 0; round < 500; round++) {
      let text = ''
      for (let i = 0; i < 30; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff
        text += pieces[seed % pieces.length]
      }
      const once = redact(text)
      expect(redact(once), JSON.stringify(text)).toBe(once)
    }
  })
})

describe('what a review found', () => {
  test('names with a digit at the end, and more words: Authentication, Hmac, Passcode, Pin', () => {
    for (const name of ['DB_PASSWORD2', 'API_TOKEN2', 'Passphrase2', 'X-Api-Key2', 'Authentication', 'X-Shopify-Hmac-Sha256', 'X-Passcode', 'X-Pin'])
      expect(isSecretName(name), name).toBe(true)
    expect(redact('DB_PASSWORD2=abc')).toBe('DB_PASSWORD2=***')
    for (const name of ['pingInterval', 'SPIN', 'KEYBOARD2']) expect(isSecretName(name), name).toBe(false)
  })
  test('the start of a secret a report cut with an ellipsis', () => {
    registerSecret('ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd')
    registerUrlSecrets('postgres://app:S3cretPassw0rdThatIsLong@db.internal:5432/app')
    expect(redact("expected 'ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456…' to have a length of 3")).toBe("expected '***…' to have a length of 3")
    expect(redact("expected 'postgres://app:S3cretPassw0rdThatIsLo…' to contain 'x'")).toBe("expected 'postgres://app:***…' to contain 'x'")
    // unregistered: the URL pattern takes the ellipsis as the end of the password
    expect(redact("obj 'postgres://app:NeverRegistered123…'")).toBe("obj 'postgres://app:***…'")
    expect(redact('wait… then go')).toBe('wait… then go')
  })
  test('each line of a multi-line secret, and the forms util.inspect prints', () => {
    registerSecret('-----BEGIN KEY-----\nSecLineOneAAAA1111\nSecLineTwoBBBB2222\n-----END KEY-----')
    expect(redact('+ SecLineOneAAAA1111')).toBe('+ ***')
    registerSecret(`Tok'Q"B\`Leak7701`)
    expect(redact(`{ v: 'Tok\\'Q"B\`Leak7701' }`)).toBe("{ v: '***' }")
  })
  test('a user name is no secret, but a token in its place is', () => {
    registerUrlSecrets('postgres://postgres@/test?host=db')
    registerUrlSecrets('http://admin@exa mple.com/')
    expect(redact('connecting as postgres to the admin panel')).toBe('connecting as postgres to the admin panel')
    registerUrlSecrets('https://ghp_abc123def456@github.com/x')
    expect(redact('token ghp_abc123def456 echoed')).toBe('token *** echoed')
  })
  test('around a value: a comma before the next assignment, backticks', () => {
    expect(redact('password=hunter2,user=app')).toBe('password=***,user=app')
    expect(redact('token=`abc` and')).toBe('token=`***` and')
    expect(redact('password=a,b,c done')).toBe('password=*** done')
  })
})

describe('registered secrets in every form a report prints them', () => {
  test('JSON-escaped, as in a JSON report', () => {
    registerSecret('q"uote\\slash-77')
    expect(redact(JSON.stringify({ v: 'q"uote\\slash-77' }))).toBe('{"v":"***"}')
  })
  test('the margin covers the longest registered secret', () => {
    registerSecret('m'.repeat(5000))
    expect(redactionMargin()).toBeGreaterThanOrEqual(5000)
  })
})

describe('redact on large and hostile text', () => {
  /** Text of `size` characters drawn from the ingredients of a hostile reply. */
  function adversarial(size: number, seed = 7): string {
    const pieces = [
      '\n',
      ' ',
      ':',
      '"',
      "'",
      '=',
      'Authorization:',
      'Authorization: ',
      '"authorization":"',
      'Bearer ',
      'tok'.repeat(700),
      'A1b2C3'.repeat(50),
      '\r\n',
      '\t',
      '::',
      '==',
      'password=',
      "token: '",
      'https://u:',
      '@',
    ]
    const parts: string[] = []
    let length = 0
    while (length < size) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      const piece = pieces[(seed >>> 16) % pieces.length] as string
      parts.push(piece)
      length += piece.length
    }
    return parts.join('').slice(0, size)
  }

  test('1 MiB of adversarial text (newlines, blanks, colons, quotes, =, Authorization: fragments, long tokens) in under 50 ms, linearly', () => {
    redact(adversarial(1024 * 1024, 3)) // the JIT's first passes, not what is measured
    const quarter = adversarial(256 * 1024)
    const whole = adversarial(1024 * 1024)
    let started = performance.now()
    redact(quarter)
    const quarterMs = performance.now() - started
    started = performance.now()
    const out = redact(whole)
    const ms = performance.now() - started
    expect(ms).toBeLessThan(50)
    // 4 times the text takes about 4 times as long (a quadratic pattern would take 16 times)
    expect(ms / Math.max(quarterMs, 1)).toBeLessThan(8)
    expect(out).not.toMatch(/(?<![A-Za-z0-9])Bearer tok|password=(tok|A1b2)/)
  })

  test.each([
    ['URL credentials, one after another', (n: number) => 'a://b:c@'.repeat(n / 8)],
    ['%-encoded URLs in parameters', (n: number) => 'u=postgres%3A%2F%2Fa%3Ab%40c&'.repeat(n / 29)],
    ['%-encoded colons without a parameter', (n: number) => '%3A'.repeat(n / 3)],
    ['the start of a registered secret before each ellipsis', (n: number) => 'ghp_…'.repeat(n / 5)],
  ])('stays linear on %s: 4 times the text, about 4 times the time', (_, make) => {
    registerSecret('ghp_16C7e42F292c6912E7710c838347Ae178B4b')
    redact(make(1024 * 1024)) // the JIT's first passes
    let started = performance.now()
    redact(make(256 * 1024))
    const quarterMs = performance.now() - started
    started = performance.now()
    redact(make(1024 * 1024))
    const ms = performance.now() - started
    expect(ms / Math.max(quarterMs, 5)).toBeLessThan(8)
    expect(ms).toBeLessThan(400)
  })

  test.each([
    ['a megabyte of one letter', 'x'.repeat(1024 * 1024)],
    ['a megabyte of scheme-like text', `${'a'.repeat(1024 * 1024)}://`],
    ['many separators without values', '?;'.repeat(256 * 1024)],
    ['many URLs without hosts', 'http://'.repeat(100_000)],
    ['userinfo without an end', `postgres://${'u'.repeat(300_000)}:${'p'.repeat(300_000)}`],
    ['200,000 newlines', '\n'.repeat(200_000)],
    ['a header name and 1 MiB of blanks', `authorization:${' '.repeat(1024 * 1024)}`],
    ['header lines without values', 'Authorization: \n'.repeat(65_536)],
    ['keys with unterminated values', '"password":"'.repeat(80_000)],
    ['a secret word on every line', 'token\n'.repeat(170_000)],
    ['names then equals', 'password='.repeat(110_000)],
  ])('stays linear on %s (under 100 ms)', (_, text) => {
    const started = performance.now()
    redact(text)
    expect(performance.now() - started).toBeLessThan(100)
  })
})
