/**
 * Private brokers for tests that need credentials the shared local ones do not have:
 * a mosquitto with a password file, a nats-server with a user. Each listens on a free
 * loopback port and is killed on stop().
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './servers.ts'

export interface PrivateBroker {
  port: number
  stop(): Promise<void>
}

async function launch(command: string, args: string[], port: number, cleanup: () => void = () => {}): Promise<PrivateBroker> {
  const child: ChildProcess = spawn(command, args, { stdio: 'ignore' })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const stop = async (): Promise<void> => {
    child.kill('SIGKILL')
    await exited
    cleanup()
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await accepts(port)) return { port, stop }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  await stop()
  throw new Error(`${command} did not start on port ${port} (is it installed?)`)
}

/** A mosquitto that only lets `user`/`password` in. */
export async function startMosquitto(user: string, password: string): Promise<PrivateBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'prodcheck-mqtt-'))
  // mosquitto started as root drops to its own user, which must be able to read the files
  chmodSync(dir, 0o755)
  const port = await freePort()
  const passwords = join(dir, 'passwords')
  writeFileSync(passwords, '')
  execFileSync('mosquitto_passwd', ['-b', passwords, user, password])
  const config = join(dir, 'mosquitto.conf')
  writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${passwords}\npersistence false\n`)
  chmodSync(passwords, 0o644)
  return launch('mosquitto', ['-c', config], port, () => rmSync(dir, { recursive: true, force: true }))
}

/** A nats-server that only lets `user`/`password` in. */
export async function startNats(user: string, password: string): Promise<PrivateBroker> {
  const port = await freePort()
  return launch('nats-server', ['-a', '127.0.0.1', '-p', String(port), '--user', user, '--pass', password], port)
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
