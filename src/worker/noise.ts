/**
 * Driver noise: errors that drivers throw or reject from their own event handlers, after a
 * check is over or outside any check (a parser fed garbage by a misbehaving peer, a socket
 * error after a deadline). They must never crash a worker nor fail another check. The
 * prodcheck environments install {@link absorbDriverNoise}: such an error, recognised by a
 * stack made of driver frames only, is dropped; every other error goes on to the test
 * runner as before.
 *
 * This rests on how Vitest's worker treats process errors: it reports an uncaught exception
 * or unhandled rejection only when its own listener is the only one (another listener means
 * user code handles it). That is not documented; docs/decisions/0013 records the choice, and
 * test/worker/noise.test.ts pins the behaviour, so that an upgrade that changes it fails there.
 *
 * @module
 */

import { DRIVER_PACKAGES } from '../core/drivers.ts'

// the names are plain package names (letters, digits, dashes): nothing to escape
const DRIVER_FRAME = new RegExp(`[\\\\/]node_modules[\\\\/](${DRIVER_PACKAGES.join('|')})[\\\\/]`)
const KEY = Symbol.for('prodcheck.noise')

/**
 * Whether an error comes from inside a driver and from nowhere else: its stack has frames,
 * all of them in a driver or in Node itself.
 *
 * @example
 * isDriverNoise(Object.assign(new Error('x'), { stack: 'Error: x\n    at DataHandler.shiftCommand (/app/node_modules/ioredis/built/DataHandler.js:183:45)' })) // true
 */
export function isDriverNoise(error: unknown): boolean {
  const stack = (error as { stack?: unknown })?.stack
  if (typeof stack !== 'string') return false
  const frames = stack.split('\n').filter((line) => /^\s+at /.test(line))
  const outside = frames.filter((frame) => !DRIVER_FRAME.test(frame) && !/\(node:|at node:|\(internal\//.test(frame))
  return frames.some((frame) => DRIVER_FRAME.test(frame)) && outside.length === 0
}

/**
 * Drops uncaught exceptions and unhandled rejections that are driver noise, for the life
 * of the process (installed once). Other errors reach the runner's own handlers unchanged.
 *
 * @example
 * absorbDriverNoise()
 */
export function absorbDriverNoise(target: NodeJS.Process = process): void {
  const holder = target as NodeJS.Process & { [KEY]?: boolean }
  if (holder[KEY]) return
  holder[KEY] = true
  for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
    const absorb = (error: unknown, detail: unknown): void => {
      if (isDriverNoise(error)) return
      // not ours to handle: hand it to the runner's listeners, as if we were not here
      target.off(event, absorb)
      if (target.listenerCount(event) === 0) {
        // nobody else listens: Node's default (print it, exit 1) must happen, not silence
        process.nextTick(() => {
          throw error
        })
        return
      }
      try {
        ;(target.emit as (name: string, ...args: unknown[]) => boolean)(event, error, detail)
      } finally {
        target.on(event, absorb)
      }
    }
    target.on(event, absorb)
  }
}
