/**
 * A host that exists on the network but never answers: the far end of a veth pair in a
 * network namespace of its own, with no address. Packets to it vanish (ARP is never
 * answered), which is what a dead host behind a silent firewall looks like.
 * Needs root (CAP_NET_ADMIN); fails with a clear message where that is not permitted.
 */
import { execFileSync } from 'node:child_process'

export interface SilentHost {
  address: string
  remove(): void
}

export function createSilentHost(): SilentHost {
  const id = (process.pid % 4000) + 100
  const ns = `pcsilent${id}`
  const near = `pcn${id}`
  const far = `pcf${id}`
  const subnet = `10.${213 + (Math.floor(id / 250) % 40)}.${id % 250}`
  const run = (...args: string[]): void => {
    execFileSync('ip', args, { stdio: 'pipe' })
  }
  const remove = (): void => {
    for (const args of [
      ['link', 'del', near],
      ['netns', 'del', ns],
    ]) {
      try {
        run(...args)
      } catch {
        // already gone
      }
    }
  }
  remove()
  try {
    run('netns', 'add', ns)
    run('link', 'add', near, 'type', 'veth', 'peer', 'name', far)
    run('link', 'set', far, 'netns', ns)
    run('addr', 'add', `${subnet}.1/30`, 'dev', near)
    run('link', 'set', near, 'up')
    run('netns', 'exec', ns, 'ip', 'link', 'set', far, 'up')
  } catch (error) {
    remove()
    throw new Error(
      `cannot create a silent test host with ip netns/veth (needs root and iproute2): ${String((error as { stderr?: Buffer }).stderr ?? error)}`,
    )
  }
  return { address: `${subnet}.2`, remove }
}
