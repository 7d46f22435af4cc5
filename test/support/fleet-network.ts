/**
 * A small fleet on one machine: hosts as network namespaces, each with a veth pair on a
 * bridge of the root namespace, addresses in a private range. The root namespace holds two
 * addresses on the bridge: `gateway` (where Prometheus scrapes from) and `service` (a
 * dependency the hosts check). Needs root and iproute2; fails with a clear message where
 * network namespaces are not permitted. `remove()` undoes everything, and is safe to call twice.
 */
import { execFileSync } from 'node:child_process'

export interface FleetHost {
  name: string
  namespace: string
  address: string
}

export interface FleetNetwork {
  gateway: string
  service: string
  hosts: FleetHost[]
  /** Makes `service` unreachable from a host (a broken route: ICMP "prohibited"). */
  breakRoute(host: FleetHost): void
  remove(): void
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' })
}

function quiet(run: () => void): void {
  try {
    run()
  } catch {
    // already gone
  }
}

export function createFleetNetwork(names: string[]): FleetNetwork {
  const id = process.pid % 1000
  const subnet = `10.${100 + (id % 100)}.${Math.floor(id / 100) + 10}`
  const bridge = `pcfb${id}`
  const hosts: FleetHost[] = names.map((name, i) => ({ name, namespace: `pcfleet${id}${name}`, address: `${subnet}.${11 + i}` }))
  const veth = (i: number): [string, string] => [`pcfv${id}x${i}`, `pcfp${id}x${i}`]
  const remove = (): void => {
    hosts.forEach((host, i) => {
      quiet(() => ip('link', 'del', veth(i)[0]))
      quiet(() => ip('netns', 'del', host.namespace))
    })
    quiet(() => ip('link', 'del', bridge))
  }
  remove()
  try {
    ip('link', 'add', bridge, 'type', 'bridge')
    ip('addr', 'add', `${subnet}.1/24`, 'dev', bridge)
    ip('addr', 'add', `${subnet}.2/24`, 'dev', bridge)
    ip('link', 'set', bridge, 'up')
    hosts.forEach((host, i) => {
      const [outside, inside] = veth(i)
      ip('netns', 'add', host.namespace)
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside)
      ip('link', 'set', inside, 'netns', host.namespace)
      ip('link', 'set', outside, 'master', bridge)
      ip('link', 'set', outside, 'up')
      ip('netns', 'exec', host.namespace, 'ip', 'addr', 'add', `${host.address}/24`, 'dev', inside)
      ip('netns', 'exec', host.namespace, 'ip', 'link', 'set', inside, 'up')
      ip('netns', 'exec', host.namespace, 'ip', 'link', 'set', 'lo', 'up')
    })
  } catch (error) {
    remove()
    const detail = String((error as { stderr?: Buffer }).stderr ?? error).trim()
    throw new Error(
      `cannot build the test fleet with ip netns, veth and a bridge (needs root, iproute2, and network namespaces permitted on this machine): ${detail}`,
    )
  }
  return {
    gateway: `${subnet}.1`,
    service: `${subnet}.2`,
    hosts,
    breakRoute(host) {
      ip('netns', 'exec', host.namespace, 'ip', 'route', 'add', 'prohibit', `${subnet}.2/32`)
    },
    remove,
  }
}
