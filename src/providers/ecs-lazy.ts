import type { PreviewProvider } from './provider.js'

/**
 * A provider that builds the ECS provider on its first call. The AWS SDK clients are most of
 * the bundle; loaded lazily, they cost nothing in runs that use the Docker host.
 */
export function lazyEcsProvider(build: () => Promise<PreviewProvider>): PreviewProvider {
  let built: Promise<PreviewProvider> | undefined
  const get = () => {
    built ??= build()
    return built
  }
  return {
    kind: 'ecs',
    launch: async (spec) => (await get()).launch(spec),
    waitUntilReady: async (instance, timeoutMs) =>
      (await get()).waitUntilReady(instance, timeoutMs),
    isHealthy: async (instance) => (await get()).isHealthy(instance),
    extend: async (instance, expiresAt) => (await get()).extend(instance, expiresAt),
    logs: async (instance, tail) => (await get()).logs(instance, tail),
    destroy: async (instance, reason) => (await get()).destroy(instance, reason),
    list: async (filter) => (await get()).list(filter),
  }
}
