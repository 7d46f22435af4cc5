/**
 * A second, private redis-server for tests that need a password or must stop a server
 * mid-test. It listens on a free loopback port and is killed on stop().
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { connect } from 'node:net'
import { freePort } from './servers.ts'

export interface PrivateRedis {
  port: number
  stop(): Promise<void>
}

export async function startRedis(args: string[] = []): Promise<PrivateRedis> {
  const port = await freePort()
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], {
    stdio: 'ignore',
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await accepts(port)) {
      return {
        port,
        async stop() {
          child.kill('SIGKILL')
          await exited
        },
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  child.kill('SIGKILL')
  throw new Error(`redis-server did not start on port ${port} (is redis-server installed?)`)
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
