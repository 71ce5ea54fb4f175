import type { EngineName, EngineProfile } from '../engines.js'

/** Identifies one preview: a repository's PR can have several, told apart by name. */
export interface PreviewKey {
  repository: string
  pr: number
  name: string
}

/** What to launch. Everything a later step needs to find it again goes into its labels or tags. */
export interface PreviewSpec {
  key: PreviewKey
  engine: EngineProfile
  image: string
  configuration: Record<string, string>
  authToken: string
  sha: string
  runId: string
  expiresAt: Date
  /** Hash of what makes two instances interchangeable (engine, image, configuration). */
  configHash: string
}

export type InstanceStatus = 'starting' | 'running' | 'stopping' | 'stopped'

/** A preview instance as the provider reports it, rebuilt from its labels or tags. */
export interface PreviewInstance {
  /** Container ID or task ARN. */
  id: string
  key: PreviewKey
  engine: EngineName
  sha: string
  runId: string
  expiresAt: Date
  configHash: string
  status: InstanceStatus
  /** The URL people open (the PR comment shows it); empty while the provider does not know yet. */
  url: string
  /** Where the runner reaches the emulator's API (deploy and readiness); often the same as url. */
  endpoint: string
  /** Why it stopped, when it has. */
  stoppedReason?: string
}

/** What readiness found: the emulator's version, or why it never got ready. */
export type ReadyResult =
  | { ready: true; ms: number; version: string }
  | { ready: false; ms: number; reason: string; logs: string }

export interface ListFilter {
  repository: string
  pr?: number
  name?: string
}

/**
 * A place that runs preview instances: a Docker host, ECS, or a hosted emulator service. State
 * lives with the provider: instances are found by their labels, never by saved files.
 */
export interface PreviewProvider {
  readonly kind: 'docker' | 'ecs'
  /** Starts a new instance. It stops by itself at `spec.expiresAt` even if no one tears it down. */
  launch(spec: PreviewSpec): Promise<PreviewInstance>
  /** Waits until the instance runs and its emulator answers ready. */
  waitUntilReady(
    instance: PreviewInstance,
    timeoutMs: number,
  ): Promise<ReadyResult & { instance: PreviewInstance }>
  /** Whether a running instance's emulator answers ready now. */
  isHealthy(instance: PreviewInstance): Promise<boolean>
  /** Moves the instance's self-expiry to a later time (reuse). */
  extend(instance: PreviewInstance, expiresAt: Date): Promise<PreviewInstance>
  /** The last lines the instance printed, or a sentence saying where its logs are. */
  logs(instance: PreviewInstance, tail: number): Promise<string>
  /** Stops and removes the instance and anything launched with it. Gone already is fine. */
  destroy(instance: PreviewInstance, reason: string): Promise<void>
  /** Instances of a repository (and PR, and name), running or stopping. */
  list(filter: ListFilter): Promise<PreviewInstance[]>
}
