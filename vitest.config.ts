import { defineConfig } from 'vitest/config'
import { reporters } from './test/helpers/reporters.js'

// Unit tests: no Docker, no network beyond loopback servers started in-process.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    reporters: reporters('unit'),
    testTimeout: 10_000,
  },
})
