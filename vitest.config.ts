import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { defineProdProject } from './src/node/config.ts'

const prod = defineProdProject()

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'test',
          include: ['test/**/*.test.ts'],
          // fixture projects are run by the tests, through the Vitest CLI
          exclude: ['test/fixtures/**', 'test/.scratch/**', '**/node_modules/**'],
          setupFiles: ['./src/worker/vitest.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
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
