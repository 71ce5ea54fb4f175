import { ENGINES } from '../../src/engines.js'
import type {
  ListFilter,
  PreviewInstance,
  PreviewProvider,
  PreviewSpec,
  ReadyResult,
} from '../../src/providers/provider.js'

/** An in-memory provider: keeps instances, records calls, and gets ready or not on command. */
export class FakeProvider implements PreviewProvider {
  readonly kind = 'docker' as const
  readonly instances = new Map<string, PreviewInstance>()
  readonly calls: string[] = []
  healthy = true
  readyResult: ReadyResult = { ready: true, ms: 5, version: '1.0.0' }
  failLaunch: Error | undefined
  private next = 1

  async launch(spec: PreviewSpec): Promise<PreviewInstance> {
    this.calls.push(`launch ${spec.key.pr}/${spec.key.name}`)
    if (this.failLaunch) throw this.failLaunch
    const id = `i-${this.next++}`
    const instance: PreviewInstance = {
      id,
      key: spec.key,
      engine: spec.engine.name,
      sha: spec.sha,
      runId: spec.runId,
      expiresAt: spec.expiresAt,
      configHash: spec.configHash,
      status: 'running',
      url: `https://${id}.previews.test`,
      endpoint: `http://127.0.0.1:${4600 + this.next}`,
    }
    this.instances.set(id, instance)
    return instance
  }

  async waitUntilReady(
    instance: PreviewInstance,
  ): Promise<ReadyResult & { instance: PreviewInstance }> {
    return { ...this.readyResult, instance }
  }

  async isHealthy(): Promise<boolean> {
    return this.healthy
  }

  async extend(instance: PreviewInstance, expiresAt: Date): Promise<PreviewInstance> {
    this.calls.push(`extend ${instance.id}`)
    const extended = { ...instance, expiresAt }
    this.instances.set(instance.id, extended)
    return extended
  }

  async logs(): Promise<string> {
    return 'emulator: listening\nemulator: GET /bucket 404'
  }

  async destroy(instance: PreviewInstance, reason: string): Promise<void> {
    this.calls.push(`destroy ${instance.id} (${reason})`)
    this.instances.delete(instance.id)
  }

  async list(filter: ListFilter): Promise<PreviewInstance[]> {
    return [...this.instances.values()].filter(
      (i) =>
        i.key.repository === filter.repository &&
        (filter.pr === undefined || i.key.pr === filter.pr) &&
        (filter.name === undefined || i.key.name === filter.name),
    )
  }

  /** Puts an instance in place, as an earlier run would have. */
  seed(partial: Partial<PreviewInstance> & Pick<PreviewInstance, 'id' | 'key'>): PreviewInstance {
    const instance: PreviewInstance = {
      engine: ENGINES.lite.name,
      sha: 'old',
      runId: '1',
      expiresAt: new Date(Date.now() + 3600_000),
      configHash: 'x',
      status: 'running',
      url: `https://${partial.id}.previews.test`,
      endpoint: 'http://127.0.0.1:4600',
      ...partial,
    }
    this.instances.set(instance.id, instance)
    return instance
  }
}
