// Moves tasks through ECS's lifecycle on a timer: PROVISIONING, PENDING (containers started),
// RUNNING, STOPPING (containers stopped), DEPROVISIONING, STOPPED. Each step watches or drives
// the task's containers through a ContainerRunner.
import type { ContainerRecord, HealthStatus, Scope, TaskRecord } from './ecs-model.js'
import type { ContainerLaunch, ContainerRunner, ContainerState } from './ecs-runner.js'

const ESSENTIAL_EXITED = 'Essential container in task exited'

export class TaskLifecycle {
  private readonly busy = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private readonly inFlight = new Set<Promise<void>>()
  /** Errors of the runner that the lifecycle turned into stopped tasks, for debugging. */
  readonly errors: string[] = []

  constructor(
    private readonly tasks: Map<string, TaskRecord>,
    private readonly runner: ContainerRunner,
    private readonly scope: Scope,
    private readonly tickMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts the timer; with tickMs 0 tasks move only when `advanceAll` is called. */
  start(): void {
    if (this.tickMs <= 0) return
    this.timer = setInterval(() => this.tick(), this.tickMs)
    this.timer.unref()
  }

  /** Moves every task one step now and waits for the steps to finish. */
  async advanceAll(): Promise<void> {
    this.tick()
    await Promise.allSettled([...this.inFlight])
  }

  /** Stops the timer and waits for the steps under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    await Promise.allSettled([...this.inFlight])
  }

  /** Advances every task that is not STOPPED by one step; a task's steps never overlap. */
  tick(): void {
    for (const task of this.tasks.values()) {
      if (task.lastStatus === 'STOPPED' || this.busy.has(task.taskArn)) continue
      this.busy.add(task.taskArn)
      const step = this.advance(task)
        .catch((error: unknown) => {
          this.errors.push(
            `${task.taskArn}: ${error instanceof Error ? error.message : String(error)}`,
          )
        })
        .finally(() => {
          this.busy.delete(task.taskArn)
          this.inFlight.delete(step)
        })
      this.inFlight.add(step)
    }
  }

  private async advance(task: TaskRecord): Promise<void> {
    switch (task.lastStatus) {
      case 'PROVISIONING':
        return this.attach(task)
      case 'PENDING':
        return task.desiredStatus === 'STOPPED'
          ? this.beginStopping(task)
          : this.startContainers(task)
      case 'RUNNING':
        return this.watch(task)
      case 'STOPPING':
        return this.stopContainers(task)
      case 'DEPROVISIONING':
        return this.finish(task)
      case 'STOPPED':
        return
    }
  }

  private async attach(task: TaskRecord): Promise<void> {
    if (task.desiredStatus === 'STOPPED') return this.finish(task)
    task.eni.status = 'ATTACHED'
    task.connectivityAt = this.now()
    this.moveTo(task, 'PENDING')
  }

  private async startContainers(task: TaskRecord): Promise<void> {
    task.pullStartedAt = this.now()
    for (const c of task.containers) {
      const failure = await this.tryPull(c)
      if (failure !== undefined) return this.failToStart(task, c, failure)
    }
    task.pullStoppedAt = this.now()
    for (const c of task.containers) {
      try {
        c.runtimeId = await this.runner.start(this.launchOf(task, c))
        c.lastStatus = 'RUNNING'
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        return this.failToStart(task, c, `CannotStartContainerError: ${message}`)
      }
    }
    task.startedAt = this.now()
    this.moveTo(task, 'RUNNING')
  }

  /** The pull error ECS reports for `c`, or undefined when its image is there. */
  private async tryPull(c: ContainerRecord): Promise<string | undefined> {
    try {
      if (await this.runner.hasImage(c.image)) return undefined
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      return `CannotPullContainerError: ${message}`
    }
    // Nothing can be pulled here: an image missing from the local engine fails like a bad ref.
    return `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${c.image}: not found`
  }

  private async failToStart(task: TaskRecord, c: ContainerRecord, reason: string): Promise<void> {
    c.reason = reason
    task.desiredStatus = 'STOPPED'
    task.stopCode = 'TaskFailedToStart'
    task.stoppedReason = reason
    task.stoppingAt = this.now()
    await this.beginStopping(task)
  }

  private async watch(task: TaskRecord): Promise<void> {
    let essentialExited = false
    for (const c of task.containers) {
      if (c.lastStatus !== 'RUNNING' || c.runtimeId === undefined) continue
      const state = await this.runner.inspect(c.runtimeId)
      const health = healthOf(state?.health)
      if (c.healthCheck !== undefined && health !== c.healthStatus) {
        c.healthStatus = health
        task.version++
      }
      if (state?.running) continue
      c.lastStatus = 'STOPPED'
      c.exitCode = state?.exitCode
      if (state === undefined)
        c.reason = 'DockerStateError: the container was removed while running'
      else if (state.oomKilled) c.reason = 'OutOfMemoryError: Container killed due to memory usage'
      if (c.essential) essentialExited = true
      task.version++
    }
    if (essentialExited && task.desiredStatus !== 'STOPPED') {
      task.desiredStatus = 'STOPPED'
      task.stopCode = 'EssentialContainerExited'
      task.stoppedReason = ESSENTIAL_EXITED
      task.stoppingAt = this.now()
    }
    if (task.desiredStatus === 'STOPPED') await this.beginStopping(task)
  }

  private async beginStopping(task: TaskRecord): Promise<void> {
    this.moveTo(task, 'STOPPING')
  }

  private async stopContainers(task: TaskRecord): Promise<void> {
    await Promise.all(
      task.containers.map(async (c) => {
        if (c.runtimeId === undefined) {
          c.lastStatus = 'STOPPED'
          return
        }
        if (c.lastStatus === 'STOPPED') return
        await this.runner.stop(c.runtimeId, c.stopTimeout)
        const state = await this.runner.inspect(c.runtimeId)
        c.lastStatus = 'STOPPED'
        c.exitCode = state?.exitCode
      }),
    )
    task.executionStoppedAt = this.now()
    task.eni.status = 'DETACHED'
    this.moveTo(task, 'DEPROVISIONING')
  }

  private async finish(task: TaskRecord): Promise<void> {
    for (const c of task.containers) c.lastStatus = 'STOPPED'
    task.eni.status = 'DELETED'
    task.stoppedAt = this.now()
    if (task.stoppingAt === undefined) task.stoppingAt = task.stoppedAt
    this.moveTo(task, 'STOPPED')
  }

  private moveTo(task: TaskRecord, status: TaskRecord['lastStatus']): void {
    task.lastStatus = status
    task.version++
  }

  private launchOf(task: TaskRecord, c: ContainerRecord): ContainerLaunch {
    // Fargate sets these in every container; the rest come from the definition and overrides.
    const env = [
      `AWS_EXECUTION_ENV=AWS_ECS_FARGATE`,
      `AWS_REGION=${this.scope.region}`,
      `AWS_DEFAULT_REGION=${this.scope.region}`,
      ...c.environment.map((e) => `${e.name}=${e.value}`),
    ]
    const revision = task.taskDefinitionArn.split(':').at(-1)
    const name = `ecs-${task.family.slice(0, 60)}-${revision}-${c.name.slice(0, 60)}-${task.taskId}`
    return {
      name,
      image: c.image,
      env,
      command: c.command,
      entryPoint: c.entryPoint,
      labels: {
        'ephemera.test': '1',
        'ecs.task-arn': task.taskArn,
        'ecs.container-name': c.name,
      },
      memoryMiB: c.memory,
      stopTimeoutSeconds: c.stopTimeout,
      workingDir: c.workingDirectory,
      user: c.user,
      healthCheck: c.healthCheck && {
        test: c.healthCheck.command,
        intervalSeconds: c.healthCheck.interval,
        timeoutSeconds: c.healthCheck.timeout,
        retries: c.healthCheck.retries,
        startPeriodSeconds: c.healthCheck.startPeriod,
      },
    }
  }
}

function healthOf(health: ContainerState['health']): HealthStatus {
  if (health === 'healthy') return 'HEALTHY'
  if (health === 'unhealthy') return 'UNHEALTHY'
  return 'UNKNOWN'
}
