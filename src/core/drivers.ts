/**
 * Lazy loading of protocol drivers. Importing the matchers stays cheap: a driver is
 * loaded the first time a target of its scheme is checked, and an optional driver that
 * is not installed fails the check with the command that installs it.
 *
 * @module
 */
import { SetupError } from './errors.ts'

/**
 * The protocol drivers the probes load, each with the packages it is made of (whose frames
 * are the driver's own): the node side never loads one (test/tree), and what they throw on
 * their own is driver noise (worker/noise.ts).
 */
export const DRIVERS: Readonly<Record<string, readonly string[]>> = {
  undici: ['undici'],
  pg: ['pg', 'pg-protocol', 'pg-pool', 'pg-connection-string'],
  ioredis: ['ioredis', 'redis-parser', 'redis-errors'],
  mysql2: ['mysql2'],
  nodemailer: ['nodemailer'],
  amqplib: ['amqplib'],
  mqtt: ['mqtt', 'mqtt-packet'],
  nats: ['nats'],
  '@grpc/grpc-js': ['@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs', '@js-sdsl/ordered-map'],
  ping: ['ping'],
}

/**
 * Every package of every driver.
 *
 * @example
 * DRIVER_PACKAGES.includes('pg-protocol') // true
 */
export const DRIVER_PACKAGES: readonly string[] = Object.values(DRIVERS).flat()

/**
 * Imports an optional driver, or throws a {@link SetupError} saying how to install it.
 *
 * @example
 * const mysql = await importDriver(() => import('mysql2'), 'mysql2', 'mysql://')
 */
export async function importDriver<T>(load: () => Promise<T>, name: string, scheme: string): Promise<T> {
  try {
    return await load()
  } catch (error) {
    const code = (error as { code?: string }).code
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(name)) {
      throw new SetupError(`install ${name} to check ${scheme} targets (npm i ${name})`)
    }
    throw error
  }
}

/**
 * Loads a module on first use, and only once: a driver (or a matcher's probe) costs
 * nothing until a check needs it, and nothing more afterwards (a dynamic `import()` on every
 * call goes through the module loader of the runner each time).
 *
 * @example
 * const undici = once(() => import('undici'))
 * const { request } = await undici()
 */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined
  return () => {
    loading ??= load()
    return loading
  }
}
