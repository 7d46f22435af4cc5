// Makes docs/reliability.md from the rows the hostile suite records with RECORD_RELIABILITY=1
// (`npm run reliability` runs both): the classes of faults, the limits and their defaults,
// and every case with its outcome and its measures.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'

const dir = 'test/.scratch/reliability'
const rows = readdirSync(dir)
  .filter((file) => file.endsWith('.json'))
  .flatMap((file) => JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')))
const order = ['TCP', 'HTTP', 'TLS', 'DNS', 'services', 'CPU', 'memory', 'handles', 'cancel', 'redirect', 'terminal', 'limits', 'input', 'secrets', 'scale']
rows.sort((a, b) => order.indexOf(a.category) - order.indexOf(b.category))
const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ')
const timed = rows.filter((row) => row.limitMs > 0 && row.category !== 'scale' && row.limitMs <= 1200)
const worst = timed.reduce((max, row) => Math.max(max, row.ms), 0)
const max = (key) => rows.reduce((m, row) => (typeof row[key] === 'number' ? Math.max(m, row[key]) : m), 0)
const count = (category) => rows.filter((row) => row.category === category).length

const lines = [
  '# Reliability: the hostile-server suite',
  '',
  `Recorded by \`npm run reliability\` on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}, ${availableParallelism()} cores). The suite (\`test/hostile/\`) runs in CI on every change; this page is one run of it.`,
  '',
  'Every network case starts a real misbehaving peer on loopback (or a host that has gone, in a network namespace, or the real local PostgreSQL, MariaDB, Redis, RabbitMQ, Mosquitto and NATS), runs the check with a deadline of 1000 ms, and asserts that it **fails** (never hangs) **within the deadline + 20 %**, with a message naming the cause, and that **no socket, timer or process is left open** afterwards. Every target carries a password, which must not appear in the message. Times exclude the one-time loading of a driver by the first check of a worker.',
  '',
  '## The promises, and the classes of faults that broke them',
  '',
  '| promise | class | how it holds | cases |',
  '|---|---|---|---:|',
  `| never hangs, never burns the CPU | a peer's text scanned before it is cut (a 200 OK of 200,000 newlines took 20–60 s) | cap first, then process: every peer text is cut to a window, then redacted, escaped and cut (src/core/text.ts); redaction is one linear scan | ${count('CPU')} |`,
  `| never exhausts memory | a driver buffering an endless message (2.4–3.2 GB in one deadline) | a byte budget on every socket a probe or its driver opens, counted before any reader sees a byte (src/core/probe-scope.ts) | ${count('memory')} |`,
  `| never leaves a handle open | a timer or a socket outliving its check | every socket of a probe is adopted by its scope and destroyed at the verdict; each protocol run in a child process that must exit by itself | ${count('handles')} |`,
  `| never leaves work behind | a timed-out query going on on the server | PostgreSQL CancelRequest, MariaDB \`KILL QUERY\`, within 15 % of the deadline | ${count('cancel')} |`,
  `| never leaks a secret | Vitest's own output, the runner side, echoed cookies and headers, cross-origin redirects | redaction on both sides of the run (docs/redaction.md); secret headers dropped when a redirect leaves the origin | ${count('secrets') + count('redirect')} |`,
  `| never lets anyone in | anonymous \`/health\` telling the topology | with a token, anonymous \`/health\` answers status and counts only | (outputs) |`,
  `| says what to fix, readably | raw control characters, lines of 100,000 characters, forged report lines | every line escaped and cut, every format escaping what it cannot carry, names unique in a run | ${count('terminal') + count('limits')} |`,
  `| bad input is an error | input that a driver refuses later or sends as it is | connection headers, non-Latin-1 header values, zone ids, control characters in DSNs refused before anything is sent, under \`.not\` too | ${count('input')} |`,
  '',
  '## Limits and their defaults',
  '',
  '| limit | default | set by |',
  '|---|---|---|',
  '| bytes received per check, every socket | 1 MiB; HTTP 8 MiB (or `maxBodyBytes` + 1 MiB) | `maxReceivedBytes` |',
  '| bytes of an HTTP body kept for the expectations | 1 MiB | `maxBodyBytes` |',
  '| characters of a line of a message | 400 | `MAX_LINE_CHARS` |',
  '| lines of a message | 24, of which 12 failed expectations (then "… N more") | `MAX_LINES` |',
  '| items of a list in a line | 10 (then "… N more") | `MAX_LIST_ITEMS` |',
  '| characters of an excerpt of what a peer sent | 300 | `MAX_EXCERPT_CHARS` |',
  '| rows kept of a query | 5 rows, 20 columns or items a level, 3 levels, 300 characters a value | src/probes/query.ts |',
  '| a Redis reply kept | 2000 characters, 50 items | src/probes/redis.ts |',
  '| DNS answers kept | 100 records of 300 characters | src/probes/dns.ts |',
  '| certificate names kept | 100 | src/probes/certificate.ts |',
  '| a NATS INFO line | 64 KiB | src/probes/nats.ts |',
  '| what a TCP peer sends that `expect` is matched against | the first 4 KiB, matched once per batch of packets | src/probes/tcp.ts |',
  '| WebSocket messages looked at for `expectMessage` | 100, each cut to 4 KiB; a message (inflated) within `maxReceivedBytes` | src/probes/websocket.ts |',
  '| a gRPC health response | 4 KiB (`RESOURCE_EXHAUSTED` past it) | src/probes/grpc.ts |',
  '| output of `ping` | 256 KiB | src/probes/ping.ts |',
  '| time to cancel a query on the server, past the deadline | 15 % of the deadline, 50 ms to 1 s | `cancelBudget` |',
  '| text around a cut that redaction reads | 2,341 characters + the longest registered secret | `redactionMargin` |',
  '| deadline margin asserted | + 20 % | test/hostile/record.ts |',
  '',
  '## Measured in this run',
  '',
  `- ${timed.length} timed cases; the slowest failed in ${Math.round(worst)} ms (limit 1200 ms).`,
  `- Memory: the largest growth of a probe's process against a flooding peer was ${max('rssMb').toFixed(1)} MiB (asserted under 64 MiB).`,
  `- Handles: the longest a probe's process lived after its verdict was ${Math.round(max('exitMs'))} ms (asserted under 500 ms).`,
  '- Redaction: 1 MiB of adversarial text in under 50 ms, and 4× the text in under 8× the time (test/redact.test.ts).',
  '',
  '## Every case',
  '',
  '| area | case | check | outcome | ms | limit |',
  '|---|---|---|---|---:|---:|',
  ...rows.map((row) => `| ${row.category} | ${cell(row.case)} | ${cell(row.check)} | ${cell(row.outcome)} | ${Math.round(row.ms)} | ${row.limitMs ? Math.round(row.limitMs) : '-'} |`),
  '',
]
writeFileSync('docs/reliability.md', lines.join('\n'))
console.log(`docs/reliability.md: ${rows.length} cases`)
