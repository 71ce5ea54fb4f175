import type {
  ContainerSpec,
  ContainerState,
  ContainerSummary,
  DockerEndpoint,
  DockerEngine,
  ImageInfo,
  PullProgress,
} from '../../src/docker/engine.js'

interface FakeContainer {
  spec: ContainerSpec
  state: ContainerState
  logs: string
}

/** An in-memory Docker engine: keeps images and containers, and records every call. */
export class FakeDocker implements DockerEngine {
  readonly calls: string[] = []
  readonly images = new Map<string, ImageInfo>()
  readonly containers = new Map<string, FakeContainer>()
  /** Errors the next pulls throw, one per call, before a pull succeeds. */
  pullFailures: Error[] = []
  failRemove: Error | undefined
  logsFor: (spec: ContainerSpec) => string = () => 'Ready.\n'
  private nextId = 1

  constructor(
    readonly endpoint: DockerEndpoint = {
      url: 'unix:///var/run/docker.sock',
      socketPath: '/var/run/docker.sock',
    },
  ) {}

  async ping(): Promise<void> {
    this.calls.push('ping')
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    this.calls.push(`inspectImage ${ref}`)
    return this.images.get(ref)
  }

  async pullImage(ref: string, onProgress: (event: PullProgress) => void): Promise<void> {
    this.calls.push(`pullImage ${ref}`)
    const failure = this.pullFailures.shift()
    if (failure) throw failure
    onProgress({ layer: 'abc123', status: 'Downloading', current: 5, total: 10 })
    onProgress({ layer: 'abc123', status: 'Pull complete' })
    this.images.set(ref, {
      id: `sha256:${ref.length}`,
      digest: `${ref}@sha256:feed`,
      sizeBytes: 1_000_000,
    })
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    this.calls.push(`createContainer ${spec.name}`)
    const id = `c${String(this.nextId++).padStart(63, '0')}`
    this.containers.set(id, {
      spec,
      logs: '',
      state: {
        id,
        name: spec.name,
        running: false,
        status: 'created',
        exitCode: 0,
        oomKilled: false,
        error: '',
        labels: spec.labels,
      },
    })
    return id
  }

  async startContainer(id: string): Promise<void> {
    this.calls.push(`startContainer ${id}`)
    const c = this.mustGet(id)
    c.state = { ...c.state, running: true, status: 'running' }
    c.logs = this.logsFor(c.spec)
  }

  async inspectContainer(id: string): Promise<ContainerState | undefined> {
    return this.containers.get(id)?.state
  }

  async containerLogs(id: string, tail: number): Promise<string> {
    this.calls.push(`containerLogs ${id}`)
    return this.mustGet(id)
      .logs.split('\n')
      .slice(-tail - 1)
      .join('\n')
  }

  async stopContainer(id: string): Promise<void> {
    this.calls.push(`stopContainer ${id}`)
    const c = this.containers.get(id)
    if (c) c.state = { ...c.state, running: false, status: 'exited' }
  }

  async removeContainer(id: string): Promise<void> {
    this.calls.push(`removeContainer ${id}`)
    if (this.failRemove) throw this.failRemove
    this.containers.delete(id)
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerSummary[]> {
    return [...this.containers.values()]
      .filter((c) => Object.entries(labels).every(([k, v]) => c.spec.labels[k] === v))
      .map((c) => ({
        id: c.state.id,
        name: c.spec.name,
        image: c.spec.image,
        state: c.state.status,
        labels: c.spec.labels,
      }))
  }

  /** Makes a running container exit, as a crash during boot would. */
  exit(id: string, exitCode: number, logs: string): void {
    const c = this.mustGet(id)
    c.state = { ...c.state, running: false, status: 'exited', exitCode }
    c.logs += logs
  }

  private mustGet(id: string): FakeContainer {
    const c = this.containers.get(id)
    if (!c) throw Object.assign(new Error(`no such container: ${id}`), { statusCode: 404 })
    return c
  }
}
