import { defineConfig } from 'vitest/config'
import { reporters } from './test/helpers/reporters.js'

// Unit tests: no Docker, no network beyond loopback servers started in-process.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    reporters: reporters('unit'),
    testTimeout: 10_000,
  },
})
