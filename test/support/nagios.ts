/**
 * A real Nagios 4 for tests (Debian's `nagios4-core`): a minimal configuration of its own in a
 * temporary directory, one host and a service per plugin command line, every check forced at
 * once through the external command file, then the state, output and perfdata each service
 * got, as Nagios recorded them in `status.dat`. And a parser of perfdata after the plugin
 * guidelines, to read them as Nagios' consumers (graphers, Monitoring::Plugin) do.
 *
 * @module
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** The Nagios 4 daemon of Debian's `nagios4-core`. */
export const NAGIOS_BINARY = '/usr/sbin/nagios4'

/** Where Debian's `monitoring-plugins-basic` puts `check_http` and the others. */
export const NAGIOS_PLUGINS = '/usr/lib/nagios/plugins'

/** The one host of the configuration: every service is on it. */
const HOST = 'localhost'

/** What a service runs, and where. */
export interface NagiosService {
  /** Its `service_description`: letters, digits, spaces, `_ . : -`. */
  name: string
  /** The plugin and its arguments (quoted for the shell by the harness). */
  argv: readonly string[]
  /** Working directory of the plugin. Default: the temporary directory. */
  cwd?: string
  /** Variables set for the plugin, on top of the daemon's bare environment. */
  env?: Record<string, string>
}

/** A service's status, as Nagios wrote it in `status.dat`. */
export interface ServiceStatus {
  name: string
  /** 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
  currentState: number
  /** The first line of the output, before its `|` (Nagios turns its `;` into `:`). */
  pluginOutput: string
  /** The lines after the first, up to the `|` of the long output, joined with `\n`. */
  longPluginOutput: string
  /** The perfdata of the first line and of the long output, as one string. */
  performanceData: string
  checkCommand: string
  hasBeenChecked: boolean
  /** Unix time (s) of the last check. */
  lastCheck: number
  /** What the plugin wrote on stderr (Nagios keeps only stdout). */
  stderr: string
  /** Every field of the block, raw. */
  fields: Record<string, string>
}

/** The services Nagios checked, by name, and how long it took. */
export interface NagiosRun {
  services: Map<string, ServiceStatus>
  /** From the forced checks to the last one in `status.dat`, in ms. */
  ms: number
}

/** A Nagios daemon running the given services, each not yet checked. */
export interface Nagios {
  /** The temporary directory: configuration, log, status, command file, wrapper scripts. */
  dir: string
  /** Milliseconds from spawn to the command file accepting commands. */
  startMs: number
  /**
   * Forces every service's check at once (`SCHEDULE_FORCED_SVC_CHECK`), waits until
   * `status.dat` shows them all checked, then stops Nagios and returns their statuses.
   * Fails after `timeoutMs` with the tails of `nagios.log` and `status.dat`.
   */
  checkAll(timeoutMs?: number): Promise<NagiosRun>
  /** Stops Nagios and the checks still running, removes the directory. Safe to call twice. */
  stop(): Promise<void>
}

/**
 * Starts Nagios 4 in a temporary directory with `services` on one host; they are checked
 * only when {@link Nagios.checkAll} forces them (their active checks are off).
 *
 * @example
 * const nagios = await startNagios([{ name: 'web', argv: [`${NAGIOS_PLUGINS}/check_http`, '-I', '127.0.0.1', '-p', '8080'] }])
 * const { services } = await nagios.checkAll()
 * services.get('web')?.currentState // 0
 */
export async function startNagios(services: readonly NagiosService[], { startTimeoutMs = 15_000 } = {}): Promise<Nagios> {
  if (!existsSync(NAGIOS_BINARY)) throw new Error(`${NAGIOS_BINARY} is missing: apt-get install nagios4-core (scripts/test-all.sh does it)`)
  const names = new Set<string>()
  for (const service of services) {
    if (!/^[\w][\w .:-]*$/.test(service.name)) throw new Error(`service name ${JSON.stringify(service.name)}: use letters, digits, spaces, _ . : -`)
    if (names.has(service.name)) throw new Error(`service name ${JSON.stringify(service.name)} twice`)
    names.add(service.name)
  }
  const dir = mkdtempSync(join(tmpdir(), 'prodcheck-nagios-'))
  const paths = nagiosPaths(dir)
  mkdirSync(paths.checkResults)
  const scripts = services.map((service, i) => {
    const base = join(dir, `service-${i}`)
    writeFileSync(`${base}.sh`, wrapperScript(service, dir, base), { mode: 0o755 })
    return { name: service.name, base }
  })
  writeFileSync(paths.config, mainConfig(paths))
  writeFileSync(paths.objects, objectConfig(scripts.map((s) => ({ name: s.name, script: `${s.base}.sh` }))))

  const preflight = await new Promise<{ code: number; output: string }>((resolve) =>
    execFile(NAGIOS_BINARY, ['-v', paths.config], (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    ),
  )
  if (preflight.code !== 0 || /^(Warning|Error):/m.test(preflight.output)) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(
      `nagios4 -v refused the configuration in ${dir}:\n${preflight.output
        .split('\n')
        .filter((l) => /Warning|Error/.test(l))
        .join('\n')}`,
    )
  }

  const started = performance.now()
  // a daemon's bare environment: what a service needs, its wrapper script exports
  const child = spawn(NAGIOS_BINARY, [paths.config], { cwd: dir, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  // if this process dies without stop(), the daemon dies with it
  const killOnExit = (): void => void child.kill('SIGKILL')
  process.once('exit', killOnExit)
  let commands: number | undefined
  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    if (commands !== undefined) closeSync(commands)
    await stopDaemon(child, exited)
    process.off('exit', killOnExit)
    for (const { base } of scripts) killLeftover(`${base}.pid`, dir)
    rmSync(dir, { recursive: true, force: true })
  }
  const tails = (): string => `nagios4 stdout and stderr:\n${tail(output, 10)}\n${tailsOf(paths)}`

  try {
    commands = await openCommandFile(paths.commandFile, child, startTimeoutMs, tails)
  } catch (error) {
    await stop()
    throw error
  }
  const startMs = performance.now() - started

  return {
    dir,
    startMs,
    stop,
    async checkAll(timeoutMs = 60_000) {
      if (stopped || commands === undefined) throw new Error('Nagios is stopped: checkAll() runs once')
      const forcedAt = Math.floor(Date.now() / 1000)
      const since = performance.now()
      try {
        writeSync(commands, services.map((s) => `[${forcedAt}] SCHEDULE_FORCED_SVC_CHECK;${HOST};${s.name};${forcedAt}\n`).join(''))
        const deadline = since + timeoutMs
        for (;;) {
          const statuses = readStatuses(paths.status)
          const pending = services.filter((s) => {
            const status = statuses.get(s.name)
            return !status?.hasBeenChecked || status.lastCheck < forcedAt
          })
          if (pending.length === 0) {
            const ms = performance.now() - since
            for (const { name, base } of scripts) {
              const status = statuses.get(name)
              if (status) status.stderr = readIfAny(`${base}.stderr`)
            }
            return { services: statuses, ms }
          }
          if (child.exitCode !== null) throw new Error(`nagios4 exited (${child.exitCode}) before checking ${names.size} services\n${tails()}`)
          if (performance.now() > deadline) {
            throw new Error(
              `Nagios did not check ${pending.map((s) => JSON.stringify(s.name)).join(', ')} within ${timeoutMs} ms (forced at ${forcedAt})\n${tails()}`,
            )
          }
          await sleep(200)
        }
      } finally {
        await stop()
      }
    },
  }
}

interface NagiosPaths {
  dir: string
  config: string
  objects: string
  log: string
  status: string
  commandFile: string
  checkResults: string
}

function nagiosPaths(dir: string): NagiosPaths {
  return {
    dir,
    config: join(dir, 'nagios.cfg'),
    objects: join(dir, 'objects.cfg'),
    log: join(dir, 'nagios.log'),
    status: join(dir, 'status.dat'),
    commandFile: join(dir, 'nagios.cmd'),
    checkResults: join(dir, 'checkresults'),
  }
}

/**
 * nagios.cfg: every path in `dir`; this process's own user and group as Nagios' (root as
 * root: Nagios 4.4 runs as root without a word, and the temporary directory is 0700, so no
 * other user could write there; numeric ids, so that no name needs to exist); no retention,
 * syslog, notifications or host checks; and the timings at their fastest: a status.dat every
 * second, a one-second interval length, no spread between checks.
 */
function mainConfig({ dir, objects, log, status, commandFile, checkResults }: NagiosPaths): string {
  const settings: Array<[string, string | number]> = [
    ['cfg_file', objects],
    ['log_file', log],
    ['debug_file', join(dir, 'nagios.debug')],
    ['debug_level', 0],
    ['object_cache_file', join(dir, 'objects.cache')],
    ['precached_object_file', join(dir, 'objects.precache')],
    ['status_file', status],
    ['temp_file', join(dir, 'nagios.tmp')],
    ['temp_path', dir],
    ['lock_file', join(dir, 'nagios.lock')],
    ['command_file', commandFile],
    ['query_socket', join(dir, 'nagios.qh')],
    ['check_result_path', checkResults],
    ['state_retention_file', join(dir, 'retention.dat')],
    ['log_archive_path', dir],
    ['nagios_user', process.getuid?.() ?? 0],
    ['nagios_group', process.getgid?.() ?? 0],
    ['retain_state_information', 0],
    ['use_retained_program_state', 0],
    ['use_retained_scheduling_info', 0],
    ['use_syslog', 0],
    ['log_rotation_method', 'n'],
    ['log_initial_states', 0],
    ['log_external_commands', 1],
    ['check_external_commands', 1],
    ['check_for_updates', 0],
    ['enable_notifications', 0],
    ['enable_event_handlers', 0],
    ['enable_flap_detection', 0],
    ['enable_environment_macros', 0],
    ['execute_host_checks', 0],
    ['check_service_freshness', 0],
    ['check_host_freshness', 0],
    ['check_for_orphaned_services', 0],
    ['check_for_orphaned_hosts', 0],
    ['status_update_interval', 1],
    ['check_result_reaper_frequency', 1],
    ['max_check_result_reaper_time', 1],
    ['interval_length', 1],
    ['max_service_check_spread', 1],
    ['max_host_check_spread', 1],
    ['service_inter_check_delay_method', 'n'],
    ['host_inter_check_delay_method', 'n'],
    ['service_interleave_factor', 1],
    ['max_concurrent_checks', 0],
    ['service_check_timeout', 45],
    ['service_check_timeout_state', 'u'],
    ['daemon_dumps_core', 0],
    // the characters Nagios strips from $OUTPUT$ macros; without the setting, -v warns
    ['illegal_macro_output_chars', '`~$&|"<>'],
  ]
  return `${settings.map(([key, value]) => `${key}=${value}`).join('\n')}\n`
}

/**
 * objects.cfg: a time period, a contact that is never notified (Nagios refuses a
 * configuration without one), the host with no check command (it stays UP), one command
 * `run_script` = `$ARG1$`, and a service a script, with active checks off: only a forced
 * check runs it, once.
 */
function objectConfig(services: ReadonlyArray<{ name: string; script: string }>): string {
  const define = (type: string, fields: Array<[string, string | number]>): string =>
    `define ${type} {\n${fields.map(([key, value]) => `  ${key} ${value}`).join('\n')}\n}\n`
  const days = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']
  return [
    define('timeperiod', [['timeperiod_name', 'always'], ['alias', 'always'], ...days.map((day): [string, string] => [day, '00:00-24:00'])]),
    define('command', [
      ['command_name', 'notify_nobody'],
      ['command_line', '/bin/true'],
    ]),
    define('command', [
      ['command_name', 'run_script'],
      ['command_line', '$ARG1$'],
    ]),
    define('contact', [
      ['contact_name', 'nobody'],
      ['host_notifications_enabled', 0],
      ['service_notifications_enabled', 0],
      ['host_notification_period', 'always'],
      ['service_notification_period', 'always'],
      ['host_notification_options', 'n'],
      ['service_notification_options', 'n'],
      ['host_notification_commands', 'notify_nobody'],
      ['service_notification_commands', 'notify_nobody'],
    ]),
    define('host', [
      ['host_name', HOST],
      ['address', '127.0.0.1'],
      ['max_check_attempts', 1],
      ['check_period', 'always'],
      ['notification_period', 'always'],
      ['contacts', 'nobody'],
    ]),
    ...services.map(({ name, script }) =>
      define('service', [
        ['host_name', HOST],
        ['service_description', name],
        ['check_command', `run_script!${commandArgument(script)}`],
        // one attempt: the first result is the hard state
        ['max_check_attempts', 1],
        ['check_interval', 3600],
        ['retry_interval', 3600],
        ['active_checks_enabled', 0],
        ['check_period', 'always'],
        ['notification_period', 'always'],
        ['notification_interval', 0],
        ['contacts', 'nobody'],
      ]),
    ),
  ].join('\n')
}

/**
 * `text` as one argument of a `check_command`: `$` doubled (Nagios would read a macro), `;`
 * escaped (it starts a comment in an object file); `!` separates the arguments and a line
 * break ends the directive, so neither can be carried.
 */
function commandArgument(text: string): string {
  if (/[!\r\n]/.test(text)) throw new Error(`${JSON.stringify(text)} cannot be a Nagios command argument: it holds ! or a line break`)
  return text.replace(/\$/g, '$$$$').replace(/;/g, '\\;')
}

/**
 * The wrapper a service runs: records its pid (to end it if Nagios is stopped mid-check),
 * exports the service's variables, keeps stderr in a file, and execs the plugin from its
 * working directory.
 */
function wrapperScript(service: NagiosService, dir: string, base: string): string {
  const variables = { NAGIOS_HARNESS_DIR: dir, ...service.env }
  return [
    '#!/bin/sh',
    `echo $$ > ${shellQuote(`${base}.pid`)}`,
    ...Object.entries(variables).map(([name, value]) => `export ${name}=${shellQuote(value)}`),
    `cd ${shellQuote(service.cwd ?? dir)} || exit 3`,
    `exec ${service.argv.map(shellQuote).join(' ')} 2> ${shellQuote(`${base}.stderr`)}`,
    '',
  ].join('\n')
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`
}

/**
 * Opens the command file (a FIFO Nagios creates, then reads from its command worker) for
 * writing, without blocking: ENOENT or ENXIO until Nagios is up.
 */
async function openCommandFile(path: string, child: ChildProcess, timeoutMs: number, tails: () => string): Promise<number> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    try {
      return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ENXIO') throw error
    }
    if (child.exitCode !== null) throw new Error(`nagios4 exited (${child.exitCode}) at start\n${tails()}`)
    if (performance.now() > deadline) throw new Error(`Nagios did not open its command file ${path} within ${timeoutMs} ms\n${tails()}`)
    await sleep(50)
  }
}

/** SIGTERM (Nagios stops its workers), SIGKILL after 5 s. */
async function stopDaemon(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

/**
 * Ends a check still running when Nagios stopped: the process (and its group: Nagios runs each
 * check in a group of its own) whose pid the wrapper recorded, if it is still one of ours.
 */
function killLeftover(pidFile: string, dir: string): void {
  const pid = Number(readIfAny(pidFile).trim())
  if (!Number.isInteger(pid) || pid <= 0) return
  if (!readIfAny(`/proc/${pid}/environ`).split('\0').includes(`NAGIOS_HARNESS_DIR=${dir}`)) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  }
}

/**
 * The `servicestatus` blocks of a `status.dat` by service name, `{}` if there is none yet.
 * Nagios writes the file whole and renames it, so a read never sees half of it.
 *
 * @example
 * readStatuses('/tmp/prodcheck-nagios-x/status.dat').get('web')?.pluginOutput // 'HTTP OK: …'
 */
export function readStatuses(path: string): Map<string, ServiceStatus> {
  return parseStatusFile(readIfAny(path))
}

/**
 * Parses the text of a `status.dat`: its `servicestatus { key=value … }` blocks, with the
 * long output unescaped (Nagios writes its line breaks as `\n` and its backslashes as `\\`).
 *
 * @example
 * parseStatusFile('servicestatus {\n\tservice_description=web\n\tcurrent_state=2\n\t}\n').get('web')?.currentState // 2
 */
export function parseStatusFile(text: string): Map<string, ServiceStatus> {
  const services = new Map<string, ServiceStatus>()
  for (const block of text.matchAll(/^servicestatus \{\n([\s\S]*?)^\t\}$/gm)) {
    const fields: Record<string, string> = {}
    for (const line of (block[1] ?? '').split('\n')) {
      const at = line.indexOf('=')
      if (at > 0) fields[line.slice(0, at).trim()] = line.slice(at + 1)
    }
    const name = fields.service_description ?? ''
    services.set(name, {
      name,
      currentState: Number(fields.current_state),
      pluginOutput: fields.plugin_output ?? '',
      longPluginOutput: (fields.long_plugin_output ?? '').replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\')),
      performanceData: fields.performance_data ?? '',
      checkCommand: fields.check_command ?? '',
      hasBeenChecked: fields.has_been_checked === '1',
      lastCheck: Number(fields.last_check ?? 0),
      stderr: '',
      fields,
    })
  }
  return services
}

function readIfAny(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

function tail(text: string, lines = 30): string {
  return text.split('\n').slice(-lines).join('\n')
}

function tailsOf({ log, status }: NagiosPaths): string {
  return `nagios.log:\n${tail(readIfAny(log))}\nstatus.dat:\n${tail(readIfAny(status), 60)}`
}
