import { defineConfig } from 'vitest/config'
import { defineProdProject } from './src/config.ts'

const prod = defineProdProject()

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'test',
          include: ['test/**/*.test.ts'],
          // fixture projects are run by the tests, through the Vitest CLI
          exclude: ['test/fixtures/**', '**/node_modules/**'],
          setupFiles: ['./src/vitest.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      // this repository's own healthchecks, against the local services (and a demo API)
      { ...prod, test: { ...prod.test, globalSetup: ['./test/fixtures/demo-api.ts'] } },
    ],
  },
})
