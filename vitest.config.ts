import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { defineProdProject } from './src/node/config.ts'

const prod = defineProdProject()

/**
 * The fast tier (`npm run test:unit`): no service, no root, no browser, under 30 s. Pure
 * functions and in-process sockets only; everything else is the `test` project.
 */
const UNIT = [
  'test/core/**/*.test.ts',
  'test/tree/**/*.test.ts',
  'test/node/results.test.ts',
  'test/node/reporter/**/*.test.ts',
  'test/node/cli/formats.test.ts',
  'test/node/serve/scheduler.test.ts',
  'test/node/serve/monitor.test.ts',
  'test/node/serve/login-unit.test.ts',
  'test/node/serve/history.test.ts',
  'test/node/serve/diagnostics.test.ts',
  'test/matchers/format.test.ts',
  'test/matchers/toHaveEnv.test.ts',
  'test/matchers/toSatisfyVersion.test.ts',
  'test/probes/env.test.ts',
  'test/probes/version.test.ts',
  'test/worker/report-redaction.test.ts',
]
const NOT_TESTS = ['test/fixtures/**', 'test/.scratch/**', '**/node_modules/**']
const shared = { setupFiles: ['./src/worker/vitest.ts'], testTimeout: 30_000, hookTimeout: 30_000 }

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: UNIT, exclude: NOT_TESTS, ...shared } },
      // fixture projects are run by the tests, through the Vitest CLI
      { test: { name: 'test', include: ['test/**/*.test.ts'], exclude: [...NOT_TESTS, ...UNIT], ...shared } },
      // this repository's own healthchecks, against the local services and demo servers;
      // `prodcheck` resolves to the sources, so that no build is needed to run them
      {
        ...prod,
        resolve: { alias: [{ find: /^prodcheck$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) }] },
        test: { ...prod.test, globalSetup: ['./test/fixtures/demo-environment.ts'] },
      },
    ],
  },
})
