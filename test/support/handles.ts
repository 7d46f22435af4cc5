/**
 * Open-handle accounting: what a check leaves behind once it has returned.
 */

const WATCHED = new Set(['TCPSocketWrap', 'TCPWrap', 'TLSWrap', 'Timeout', 'ProcessWrap', 'GetAddrInfoReqWrap', 'PipeWrap'])

function count(): Map<string, number> {
  const counts = new Map<string, number>()
  for (const type of process.getActiveResourcesInfo()) if (WATCHED.has(type)) counts.set(type, (counts.get(type) ?? 0) + 1)
  return counts
}

/**
 * Snapshot of the handles now; `leaked()` later lists those opened since and still open
 * (after letting pending closes run for up to `settleMs`).
 */
export function watchHandles(): { leaked(settleMs?: number): Promise<string[]> } {
  const before = count()
  return {
    async leaked(settleMs = 300) {
      const deadline = Date.now() + settleMs
      for (;;) {
        const extra: string[] = []
        for (const [type, n] of count()) if (n > (before.get(type) ?? 0)) extra.push(`${type} ×${n - (before.get(type) ?? 0)}`)
        if (extra.length === 0 || Date.now() > deadline) return extra
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
  }
}
