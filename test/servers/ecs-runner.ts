// Where the loopback ECS server runs task containers: on the local Docker engine, or in memory
// for tests that only need the API's behaviour.
import type Dockerode from 'dockerode'

/** One container to start for a task. */
export interface ContainerLaunch {
  /** The Docker container name. */
  name: string
  image: string
  /** KEY=VALUE pairs. */
  env: string[]
  command?: string[]
  entryPoint?: string[]
  labels: Record<string, string>
  /** The container's hard memory limit in MiB, when its definition sets one. */
  memoryMiB?: number
  stopTimeoutSeconds: number
  workingDir?: string
  user?: string
  /** Docker's form: ['CMD', ...] or ['CMD-SHELL', '...'], times in seconds. */
  healthCheck?: {
    test: string[]
    intervalSeconds: number
    timeoutSeconds: number
    retries: number
    startPeriodSeconds: number
  }
}

export interface ContainerState {
  running: boolean
  /** Set once the container has exited. */
  exitCode?: number
  oomKilled: boolean
  /** Docker's health state, for containers with a health check. */
  health?: 'starting' | 'healthy' | 'unhealthy'
}

const NANOS_PER_SECOND = 1_000_000_000

/** Runs task containers. Each method fails with an Error whose message says why. */
export interface ContainerRunner {
  hasImage(image: string): Promise<boolean>
  /** Creates and starts the container; returns its id. */
  start(launch: ContainerLaunch): Promise<string>
  /** The container's state, or undefined when it no longer exists. */
  inspect(id: string): Promise<ContainerState | undefined>
  /** Sends SIGTERM, then kills the container after `timeoutSeconds`. */
  stop(id: string, timeoutSeconds: number): Promise<void>
  /** Removes every container this runner created, running or not. */
  removeAll(): Promise<void>
}

/** Docker's "no such container" and "already stopped" answers. */
function statusOf(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | null)?.statusCode
  return typeof code === 'number' ? code : undefined
}

function messageOf(error: unknown): string {
  const json = (error as { json?: { message?: unknown } } | null)?.json
  if (typeof json?.message === 'string') return json.message
  return error instanceof Error ? error.message : String(error)
}

/** Runs containers on a Docker engine with host networking and an init process. */
export class DockerContainerRunner implements ContainerRunner {
  private readonly created = new Set<string>()

  constructor(private readonly docker: Dockerode) {}

  async hasImage(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect()
      return true
    } catch (error) {
      if (statusOf(error) === 404) return false
      throw new Error(`Docker could not inspect image ${image}: ${messageOf(error)}`)
    }
  }

  async start(launch: ContainerLaunch): Promise<string> {
    const container = await this.docker.createContainer({
      name: launch.name,
      Image: launch.image,
      Env: launch.env,
      Cmd: launch.command,
      Entrypoint: launch.entryPoint,
      Labels: launch.labels,
      StopTimeout: launch.stopTimeoutSeconds,
      WorkingDir: launch.workingDir,
      User: launch.user,
      Healthcheck: launch.healthCheck && {
        Test: launch.healthCheck.test,
        Interval: launch.healthCheck.intervalSeconds * NANOS_PER_SECOND,
        Timeout: launch.healthCheck.timeoutSeconds * NANOS_PER_SECOND,
        Retries: launch.healthCheck.retries,
        StartPeriod: launch.healthCheck.startPeriodSeconds * NANOS_PER_SECOND,
      },
      HostConfig: {
        NetworkMode: 'host',
        // Without an init, a PID 1 that ignores SIGTERM waits out the whole stop timeout.
        Init: true,
        Memory: launch.memoryMiB === undefined ? undefined : launch.memoryMiB * 1024 * 1024,
      },
    })
    this.created.add(container.id)
    try {
      await container.start()
    } catch (error) {
      throw new Error(messageOf(error))
    }
    return container.id
  }

  async inspect(id: string): Promise<ContainerState | undefined> {
    try {
      const info = await this.docker.getContainer(id).inspect()
      const running = info.State.Running || info.State.Restarting
      const health = info.State.Health?.Status
      return {
        running,
        exitCode: running ? undefined : info.State.ExitCode,
        oomKilled: info.State.OOMKilled,
        health:
          health === 'starting' || health === 'healthy' || health === 'unhealthy'
            ? health
            : undefined,
      }
    } catch (error) {
      if (statusOf(error) === 404) return undefined
      throw error
    }
  }

  async stop(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: timeoutSeconds })
    } catch (error) {
      // 304: already stopped; 404: already gone.
      if (statusOf(error) !== 304 && statusOf(error) !== 404) throw error
    }
  }

  async removeAll(): Promise<void> {
    const failures: string[] = []
    for (const id of this.created) {
      try {
        await this.docker.getContainer(id).remove({ force: true })
        this.created.delete(id)
      } catch (error) {
        if (statusOf(error) === 404) this.created.delete(id)
        else failures.push(`${id.slice(0, 12)}: ${messageOf(error)}`)
      }
    }
    if (failures.length > 0) {
      throw new Error(
        `Could not remove containers (remove them with docker rm -f): ${failures.join('; ')}`,
      )
    }
  }
}

export interface MemoryContainer {
  id: string
  launch: ContainerLaunch
  state: ContainerState
  removed: boolean
}

/**
 * Keeps containers in memory: they run until `exit` or `stop` is called. `stop` ends them
 * with 143, as a process that dies of SIGTERM does.
 */
export class MemoryContainerRunner implements ContainerRunner {
  readonly images = new Set<string>()
  readonly containers = new Map<string, MemoryContainer>()
  /** Makes `start` fail with this message for containers it returns true for. */
  failStart: ((launch: ContainerLaunch) => string | undefined) | undefined
  private nextId = 1

  constructor(images: string[] = []) {
    for (const image of images) this.images.add(withTag(image))
  }

  async hasImage(image: string): Promise<boolean> {
    return this.images.has(withTag(image))
  }

  async start(launch: ContainerLaunch): Promise<string> {
    const id = `m${String(this.nextId++).padStart(63, '0')}`
    const failure = this.failStart?.(launch)
    const state = { running: failure === undefined, oomKilled: false }
    this.containers.set(id, { id, launch, state, removed: false })
    if (failure !== undefined) throw new Error(failure)
    return id
  }

  async inspect(id: string): Promise<ContainerState | undefined> {
    const c = this.containers.get(id)
    return c && !c.removed ? { ...c.state } : undefined
  }

  async stop(id: string): Promise<void> {
    const c = this.containers.get(id)
    if (c?.state.running) c.state = { running: false, exitCode: 143, oomKilled: false }
  }

  async removeAll(): Promise<void> {
    for (const c of this.containers.values()) {
      c.removed = true
      c.state = { ...c.state, running: false }
    }
  }

  /** Ends the container of `taskArn` named `containerName` with `exitCode`. */
  exit(taskArn: string, containerName: string, exitCode: number, oomKilled = false): void {
    const c = this.find(taskArn, containerName)
    if (!c) throw new Error(`no container ${containerName} for task ${taskArn}`)
    c.state = { running: false, exitCode, oomKilled }
  }

  /** Sets the Docker health state the container of `taskArn` named `containerName` reports. */
  setHealth(taskArn: string, containerName: string, health: ContainerState['health']): void {
    const c = this.find(taskArn, containerName)
    if (!c) throw new Error(`no container ${containerName} for task ${taskArn}`)
    c.state = { ...c.state, health }
  }

  find(taskArn: string, containerName: string): MemoryContainer | undefined {
    return [...this.containers.values()].find(
      (c) =>
        c.launch.labels['ecs.task-arn'] === taskArn &&
        c.launch.labels['ecs.container-name'] === containerName,
    )
  }

  running(): MemoryContainer[] {
    return [...this.containers.values()].filter((c) => c.state.running && !c.removed)
  }
}

function withTag(image: string): string {
  const lastPart = image.split('/').at(-1) ?? image
  return lastPart.includes(':') || lastPart.includes('@') ? image : `${image}:latest`
}
