// The augmentation as a vitest.config.ts that imports prodcheck/config brings it.
import { defineConfig } from 'vitest/config'
import { defineProdProject } from '../../src/node/config.ts'

export default defineConfig({ test: { projects: [defineProdProject()] } })
