#!/usr/bin/env bash
# Runs every test of prodcheck on a Debian machine of the node-svc kind, fresh or not:
# installs what the machine lacks, starts the local services that are down, then npm ci,
# check, npm test (which builds first), and prints "N passed, N failed". The README's test command, and
# what .ci/run runs. Exit status: npm test's (1 when setup itself failed).
set -uo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

missing=()
command -v ping >/dev/null 2>&1 || missing+=(iputils-ping)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x /usr/bin/python3 ] || missing+=(python3)                 # reads the JUnit reports as an XML parser would
/usr/bin/python3 -c 'import junitparser' >/dev/null 2>&1 || missing+=(python3-junitparser)   # reads the JUnit reports as CI tools do
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils) # validates them against the Surefire schema
command -v prove >/dev/null 2>&1 || missing+=(perl)           # reads the TAP reports
[ -x /usr/bin/chromium ] || missing+=(chromium)                # the status page is tested in a real browser
{ [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ]; } || missing+=(prometheus)   # the fleet test and the alert rules' tests
{ [ -x /usr/sbin/nagios4 ] && [ -x /usr/lib/nagios/plugins/check_http ]; } || missing+=(nagios4-core monitoring-plugins-basic)   # the Nagios output, read by a real Nagios 4
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || { echo "apt-get install ${missing[*]} failed"; exit 1; }
fi

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

ensure() { # port name start-command…
  local port=$1 name=$2
  shift 2
  if up "$port"; then return 0; fi
  log "$name is down on port $port: starting it"
  "$@" || true
  for _ in $(seq 1 60); do
    up "$port" && return 0
    sleep 1
  done
  echo "$name did not come up on port $port"
  return 1
}

services_ok=1
ensure 5432 PostgreSQL pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql 2>/dev/null | head -1)" main start || services_ok=0
ensure 3306 MariaDB start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || services_ok=0
ensure 6379 Redis redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || services_ok=0
ensure 5672 RabbitMQ rabbitmq-server -detached || services_ok=0
ensure 1883 Mosquitto mosquitto -d -c /etc/mosquitto/mosquitto.conf || services_ok=0
ensure 4222 NATS start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || services_ok=0
[ "$services_ok" = 1 ] || echo "warning: a local service is down; the tests that need it will fail"

log "npm ci"
npm ci --no-audit --no-fund || exit 1
# (no build of its own: npm test builds first, its pretest; the type-check needs none)
log "type-check, lint, format"
npm run check || exit 1

log "npm test"
report_dir=$(mktemp -d)
report="$report_dir/vitest.json"
npm test -- --reporter=default --reporter=json --outputFile.json="$report"
status=$?

node -e '
  const fs = require("fs")
  let r
  try { r = JSON.parse(fs.readFileSync(process.argv[1], "utf8")) } catch { console.log("0 passed, 0 failed (no test report: the run did not complete)"); process.exit(0) }
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`)
' "$report"
rm -rf "$report_dir"
exit $status
