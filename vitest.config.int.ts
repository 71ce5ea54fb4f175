import { defineConfig } from 'vitest/config'
import { reporters } from './test/helpers/reporters.js'

// Integration tests run the built bundles against the real Docker engine, one file at a time
// so containers and ports from different files never compete.
export default defineConfig({
  test: {
    include: ['test/integration/**/*.int.test.ts'],
    environment: 'node',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    globalSetup: ['test/integration/global-setup.ts'],
    fileParallelism: false,
    reporters: reporters('integration'),
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
