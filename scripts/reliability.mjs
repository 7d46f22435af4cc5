// Makes docs/reliability.md from the rows the hostile suite records with RECORD_RELIABILITY=1
// (`npm run reliability` runs both): every case, its outcome, and how long it took.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'

const dir = 'test/.scratch/reliability'
const rows = readdirSync(dir)
  .filter((file) => file.endsWith('.json'))
  .flatMap((file) => JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')))
const order = ['TCP', 'HTTP', 'TLS', 'DNS', 'services', 'input', 'secrets', 'scale']
rows.sort((a, b) => order.indexOf(a.category) - order.indexOf(b.category))
const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ')
const timed = rows.filter((row) => row.limitMs > 0 && row.category !== 'scale' && row.limitMs <= 1200)
const worst = timed.reduce((max, row) => Math.max(max, row.ms), 0)

const lines = [
  '# Reliability: the hostile-server suite',
  '',
  `Recorded by \`npm run reliability\` on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}, ${availableParallelism()} cores). The suite (\`test/hostile/\`) runs in CI on every change; this page is one run of it.`,
  '',
  'Every network case starts a real misbehaving peer on loopback (or a host that has gone, in a network namespace), runs the check with a deadline of 1000 ms, and asserts that it **fails** (never hangs) **within the deadline + 20 %**, with a message naming the cause, and that **no socket, timer or process is left open** afterwards. Every target carries a password, which must not appear in the message. Times exclude the one-time loading of a driver by the first check of a worker.',
  '',
  `${timed.length} timed cases; the slowest failed in ${Math.round(worst)} ms (limit 1200 ms).`,
  '',
  '| area | case | check | outcome | ms | limit |',
  '|---|---|---|---|---:|---:|',
  ...rows.map((row) => `| ${row.category} | ${cell(row.case)} | ${cell(row.check)} | ${cell(row.outcome)} | ${Math.round(row.ms)} | ${row.limitMs ? Math.round(row.limitMs) : '-'} |`),
  '',
]
writeFileSync('docs/reliability.md', lines.join('\n'))
console.log(`docs/reliability.md: ${rows.length} cases`)
