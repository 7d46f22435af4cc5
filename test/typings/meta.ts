// The check records are typed on Vitest's TaskMeta: a reporter reads them without a cast.
import type { Reporter, TestCase } from 'vitest/node'
import type { CheckRecord } from '../../src/node/reporter/index.ts'

export const reporter: Reporter = {
  onTestCaseResult(testCase: TestCase) {
    const records: CheckRecord[] = testCase.meta().prodcheck ?? []
    for (const check of records) {
      const status: 'pass' | 'warn' | 'fail' = check.status
      const latency: number | undefined = check.latencyMs
      const code: string | undefined = check.error?.code
      const days: number | undefined = check.facts.daysLeft
      const type: 'component' | 'datastore' | 'system' = check.componentType
      console.log(status, latency, code, days, type, check.failures.join('\n'), check.phases?.connect)
      // @ts-expect-error a record has no message: reports render it from its fields
      console.log(check.message)
      // @ts-expect-error a check's status is pass, warn or fail
      const skipped: 'skip' = check.status
      console.log(skipped)
    }
    // @ts-expect-error the meta is typed, not any
    const wrong: string = testCase.meta().prodcheck
    console.log(wrong)
  },
}
