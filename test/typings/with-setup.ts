// The augmentation as `setupFiles: ['prodcheck/vitest']` (or "types": ["prodcheck/vitest"]) brings it.
import type {} from '../../src/worker/vitest.ts'
