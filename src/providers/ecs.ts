import * as core from '@actions/core'
import { AwsCallError, type EcsApi, type EcsTask, type RunTaskInput } from '../aws/ecs-api.js'
import { describeServices, probeEmulator } from '../container/probe.js'
import { waitUntilReady } from '../container/wait-ready.js'
import type { ContainerState } from '../docker/engine.js'
import { ENGINES } from '../engines.js'
import { type Clock, systemClock } from '../util/clock.js'
import { ActionError, errorMessage } from '../util/errors.js'
import { describeKey } from './docker-host.js'
import { type EcsErrorContext, explainAwsError, explainRunTaskFailures } from './ecs-errors.js'
import {
  describeStop,
  firstClientToken,
  hostOf,
  instanceOf,
  matchesFilter,
  nextClientToken,
  STARTED_BY,
  statusOf,
  taskTags,
} from './ecs-instance.js'
import { logLocation, type ResolvedTaskDefinition, resolveTaskDefinition } from './ecs-setup.js'
import {
  type EcsLaunchSettings,
  EMULATOR_CONTAINER,
  EXPIRES_ENV,
  EXPIRES_EPOCH_ENV,
} from './ecs-task-definition.js'
import type {
  ListFilter,
  PreviewInstance,
  PreviewProvider,
  PreviewSpec,
  ReadyResult,
} from './provider.js'

/** What extend() needs to start a replacement: the current run's share of a PreviewSpec. */
export type RelaunchTemplate = Pick<
  PreviewSpec,
  'engine' | 'image' | 'configuration' | 'authToken' | 'runId'
>

export interface EcsProviderOptions {
  api: EcsApi
  cluster: string
  /** How to launch; finish, which only finds and stops tasks, has none. */
  launch?: EcsLaunchSettings
  relaunch?: RelaunchTemplate
  ecsEndpoint?: string
  ec2Endpoint?: string
  /** Bounds launch's wait for the task's network interface. */
  startTimeoutMs: number
  /** Bounds destroy's wait for STOPPED; ECS finishes the stop regardless. */
  stopTimeoutMs: number
  /** Task polls start this often and slow down to maxMs (Fargate takes tens of seconds). */
  poll?: { firstMs: number; maxMs: number }
  clock?: Clock
}

/** Give up deriving client tokens after this many earlier launches of one preview. */
const MAX_TOKEN_STEPS = 50

/**
 * Previews as ECS Fargate tasks in the user's account. Each task holds the emulator and a timer
 * container that stops the task at its expiry. Tasks are found again by startedBy and tags.
 */
export class EcsProvider implements PreviewProvider {
  readonly kind = 'ecs' as const
  private readonly clock: Clock
  private readonly poll: { firstMs: number; maxMs: number }
  private readonly definitions = new Map<string, Promise<ResolvedTaskDefinition>>()
  private readonly warned = new Set<string>()

  constructor(private readonly opts: EcsProviderOptions) {
    this.clock = opts.clock ?? systemClock
    this.poll = opts.poll ?? { firstMs: 250, maxMs: 3000 }
  }

  /**
   * Runs the preview's task and waits until ECS has given it an address. Overlapping runs send
   * the same client token, so ECS starts one task and the other run adopts it.
   */
  async launch(spec: PreviewSpec): Promise<PreviewInstance> {
    const settings = this.opts.launch
    if (!settings) throw new ActionError('The ECS provider was created without launch settings.')
    const td = await this.taskDefinition(spec, settings)
    const emulatorEnv: Record<string, string> = { ...spec.configuration }
    if (td.port !== spec.engine.containerPort && spec.engine.listenEnv) {
      Object.assign(emulatorEnv, spec.engine.listenEnv(td.port))
    }
    // TODO: the token travels as a container override, which ecs:DescribeTasks shows to anyone
    // with read access in the account; a Secrets Manager reference would need more IAM setup.
    if (spec.authToken !== '' && spec.engine.tokenEnv) {
      emulatorEnv[spec.engine.tokenEnv] = spec.authToken
    }
    const input: Omit<RunTaskInput, 'clientToken'> = {
      cluster: this.opts.cluster,
      taskDefinition: td.arn,
      subnets: settings.subnets,
      securityGroups: settings.securityGroups,
      assignPublicIp: settings.assignPublicIp,
      startedBy: STARTED_BY,
      tags: taskTags(spec, td.port),
      overrides: [
        { name: td.emulator, environment: emulatorEnv },
        {
          name: td.timer,
          environment: {
            [EXPIRES_ENV]: spec.expiresAt.toISOString(),
            [EXPIRES_EPOCH_ENV]: String(Math.ceil(spec.expiresAt.getTime() / 1000)),
          },
        },
      ],
      ...(settings.taskDefinition && settings.cpu ? { cpu: settings.cpu } : {}),
      ...(settings.taskDefinition && settings.memory ? { memory: settings.memory } : {}),
    }
    const { task, adopted } = await this.runTaskOnce(spec, input)
    if (adopted) {
      core.info(
        `Another run launched preview ${describeKey(spec.key)} at the same time (task ${task.id}); using it.`,
      )
    } else {
      core.info(
        `Started task ${task.id} (${td.arn}) in cluster ${this.opts.cluster}; its timer stops it at ${spec.expiresAt.toISOString()}.`,
      )
    }
    return this.awaitAddress(task, !adopted)
  }

  private async runTaskOnce(
    spec: PreviewSpec,
    input: Omit<RunTaskInput, 'clientToken'>,
  ): Promise<{ task: EcsTask; adopted: boolean }> {
    let clientToken = firstClientToken(this.opts.cluster, spec)
    for (let step = 1; step <= MAX_TOKEN_STEPS; step++) {
      try {
        const result = await this.opts.api.runTask({ ...input, clientToken })
        const task = result.tasks[0]
        if (!task) throw explainRunTaskFailures(result.failures)
        return { task, adopted: false }
      } catch (error) {
        if (!(error instanceof AwsCallError) || error.code !== 'ConflictException') {
          throw this.explain(error)
        }
        // The token is taken: by an overlapping run's task (adopt it), or by one that has
        // stopped since (every run derives the same next token from it).
        const ids = error.resourceIds
        const earlier = ids.length > 0 ? await this.describe(ids) : []
        const live = earlier.find((t) => t.desiredStatus === 'RUNNING')
        if (live) return { task: live, adopted: true }
        core.debug(`client token ${clientToken} belongs to stopped task(s) ${ids.join(', ')}`)
        clientToken = nextClientToken(clientToken, ids)
      }
    }
    throw new ActionError(
      `Preview ${describeKey(spec.key)} was launched more than ${MAX_TOKEN_STEPS} times with the same configuration recently, and every RunTask client token derived for it is taken. Wait a few hours or change 'name'.`,
    )
  }

  /** Polls the new task until its network interface has an address (PENDING on). */
  private async awaitAddress(task: EcsTask, ours: boolean): Promise<PreviewInstance> {
    const deadline = this.clock.now() + this.opts.startTimeoutMs
    let delay = this.poll.firstMs
    for (;;) {
      const [current] = await this.describe([task.arn])
      if (!current) throw new ActionError(`ECS no longer knows task ${task.id}, started just now.`)
      const status = statusOf(current)
      if (status === 'stopped' || status === 'stopping') return instanceOf(current, undefined)
      if (current.eniId && current.lastStatus !== 'PROVISIONING') {
        const address = (await this.addresses([current])).get(current.eniId)
        // A public IP can trail the interface by a moment; RUNNING without one means none.
        if (address?.publicIp || !this.wantsPublicIp() || current.lastStatus === 'RUNNING') {
          this.warnIfPrivate(current, address?.publicIp, hostOf(current, address))
          return instanceOf(current, address)
        }
      }
      if (this.clock.now() >= deadline) {
        if (ours) await this.destroy(instanceOf(current, undefined), 'it got no address in time')
        throw new ActionError(
          `Task ${task.id} got no network interface within ${Math.round(this.opts.startTimeoutMs / 1000)} s (it is ${current.lastStatus}). Fargate may be slow to provision in these 'subnets'; raise 'wait-timeout' or run again.`,
        )
      }
      await this.clock.sleep(delay)
      delay = Math.min(this.poll.maxMs, Math.round(delay * 1.5))
    }
  }

  async waitUntilReady(
    instance: PreviewInstance,
    timeoutMs: number,
  ): Promise<ReadyResult & { instance: PreviewInstance }> {
    const started = this.clock.now()
    const running = await this.awaitRunning(instance, started + timeoutMs)
    if (!running.ok) {
      const logs = await this.logs(running.instance, 50)
      const ms = this.clock.now() - started
      return { ready: false, ms, reason: running.reason, logs, instance: running.instance }
    }
    const current = running.instance
    let last: EcsTask | undefined = running.task
    let lastAt = this.clock.now()
    const result = await waitUntilReady({
      baseUrl: current.endpoint,
      profile: ENGINES[current.engine],
      timeoutMs: Math.max(1, started + timeoutMs - this.clock.now()),
      clock: this.clock,
      // Probes run every 20-250 ms; ECS is asked about the task at most once a poll period.
      containerState: async () => {
        if (this.clock.now() - lastAt >= this.poll.maxMs) {
          last = (await this.describe([current.id]))[0]
          lastAt = this.clock.now()
        }
        return last ? containerStateOf(last) : undefined
      },
      onProbe: (probe, attempt) => core.debug(`readiness probe ${attempt}: ${probe.detail}`),
    })
    const ms = this.clock.now() - started
    if (result.outcome === 'ready') {
      core.debug(`services: ${describeServices(result.probe.services ?? {})}`)
      return { ready: true, ms, version: result.probe.version ?? '', instance: current }
    }
    if (result.outcome === 'exited') last = await this.settle(current.id, last)
    const logs = await this.logs(current, 50)
    const reason =
      result.outcome === 'exited'
        ? `the task stopped: ${last ? describeStop(last) : 'ECS no longer knows it'}`
        : `not ready after ${Math.round(ms / 1000)} s; last seen: ${result.last?.detail ?? 'no answer'}`
    return { ready: false, ms, reason, logs, instance: current }
  }

  /** Polls until the task runs and has an address, stops, or time is up. */
  private async awaitRunning(
    instance: PreviewInstance,
    deadline: number,
  ): Promise<
    | { ok: true; instance: PreviewInstance; task: EcsTask }
    | { ok: false; instance: PreviewInstance; reason: string }
  > {
    let delay = this.poll.firstMs
    for (;;) {
      const [task] = await this.describe([instance.id])
      if (!task) return { ok: false, instance, reason: `ECS no longer knows task ${instance.id}` }
      const status = statusOf(task)
      if (status === 'stopped' || status === 'stopping') {
        const settled = (await this.settle(instance.id, task)) ?? task
        return { ok: false, instance, reason: `the task stopped: ${describeStop(settled)}` }
      }
      if (status === 'running' && task.eniId) {
        const address = (await this.addresses([task])).get(task.eniId)
        const current = instanceOf(task, address)
        this.warnIfPrivate(task, address?.publicIp, hostOf(task, address))
        if (current.endpoint !== '') return { ok: true, instance: current, task }
      }
      if (this.clock.now() >= deadline) {
        return {
          ok: false,
          instance,
          reason: `task ${instance.id} was still ${task.lastStatus} when 'wait-timeout' ran out`,
        }
      }
      await this.clock.sleep(Math.min(delay, Math.max(1, deadline - this.clock.now())))
      delay = Math.min(this.poll.maxMs, Math.round(delay * 1.5))
    }
  }

  /**
   * A stopping task's final state, so a failure report has every container's exit code; waits
   * at most 10 s (Fargate may take longer, then the report shows what is known).
   */
  private async settle(id: string, seen: EcsTask | undefined): Promise<EcsTask | undefined> {
    const deadline = this.clock.now() + Math.min(10_000, this.opts.stopTimeoutMs)
    let task = seen
    let delay = this.poll.firstMs
    while (task && task.lastStatus !== 'STOPPED' && this.clock.now() < deadline) {
      await this.clock.sleep(delay)
      delay = Math.min(this.poll.maxMs, Math.round(delay * 1.5))
      task = (await this.describe([id]))[0] ?? task
    }
    return task
  }

  async isHealthy(instance: PreviewInstance): Promise<boolean> {
    if (instance.status !== 'running' || instance.endpoint === '') return false
    return (await probeEmulator(instance.endpoint, ENGINES[instance.engine], 2000)).ready
  }

  /**
   * ECS cannot change a running task's environment, so the timer keeps the deadline it started
   * with. A reuse keeps the task while at least half of the requested lifetime is left before
   * that deadline (the comment shows the real one); otherwise it replaces the task, so a run
   * never deploys to a task about to stop. The strict deadline means no sweep is needed.
   */
  async extend(instance: PreviewInstance, expiresAt: Date): Promise<PreviewInstance> {
    const now = this.clock.now()
    const left = instance.expiresAt.getTime() - now
    const wanted = expiresAt.getTime() - now
    if (left * 2 >= wanted || !this.opts.relaunch) {
      core.info(
        `Task ${instance.id} keeps its stop time ${instance.expiresAt.toISOString()}: a running task's timer cannot move${left * 2 >= wanted ? '' : ', and this step has no launch settings to replace it'}.`,
      )
      return this.refresh(instance)
    }
    core.info(
      `Task ${instance.id} stops at ${instance.expiresAt.toISOString()}, less than half of 'lifetime' from now, and a running task's timer cannot move; replacing it with a task that stops at ${expiresAt.toISOString()}.`,
    )
    await this.destroy(instance, 'replaced by a task with a later stop time')
    return this.launch({
      ...this.opts.relaunch,
      key: instance.key,
      sha: instance.sha,
      configHash: instance.configHash,
      expiresAt,
    })
  }

  /** The instance as ECS sees it now: a task listed while provisioning has an address since. */
  private async refresh(instance: PreviewInstance): Promise<PreviewInstance> {
    const [task] = await this.describe([instance.id])
    if (!task) return instance
    const address = task.eniId ? (await this.addresses([task])).get(task.eniId) : undefined
    return instanceOf(task, address)
  }

  async logs(instance: PreviewInstance, _tail: number): Promise<string> {
    try {
      const [task] = await this.describe([instance.id])
      if (!task)
        return `(ECS no longer knows task ${instance.id}; stopped tasks are kept about an hour.)`
      const lines: string[] = []
      const status = statusOf(task)
      if (status === 'stopped' || status === 'stopping') {
        lines.push(`The task stopped: ${describeStop(task)}`)
      }
      lines.push(await logLocation(this.opts.api, task, this.opts.cluster))
      return lines.join('\n')
    } catch (error) {
      return `(the logs of task ${instance.id} could not be located: ${errorMessage(error)})`
    }
  }

  async destroy(instance: PreviewInstance, reason: string): Promise<void> {
    core.info(`Stopping preview ${describeKey(instance.key)} (task ${instance.id}): ${reason}`)
    let stopped: EcsTask | undefined
    try {
      stopped = await this.opts.api.stopTask(this.opts.cluster, instance.id, `ephemera: ${reason}`)
    } catch (error) {
      throw new ActionError(
        `${this.explain(error).message} Stop it by hand: aws ecs stop-task --cluster ${this.opts.cluster} --task ${instance.id}`,
      )
    }
    if (!stopped) return
    // Wait for STOPPED, so a replacement never meets the old task still serving.
    const deadline = this.clock.now() + this.opts.stopTimeoutMs
    let delay = this.poll.firstMs
    for (;;) {
      const [task] = await this.describe([instance.id])
      if (!task || task.lastStatus === 'STOPPED') return
      if (this.clock.now() >= deadline) {
        core.info(`Task ${instance.id} is still ${task.lastStatus}; ECS finishes stopping it.`)
        return
      }
      await this.clock.sleep(delay)
      delay = Math.min(this.poll.maxMs, Math.round(delay * 1.5))
    }
  }

  async list(filter: ListFilter): Promise<PreviewInstance[]> {
    const arns = await this.call(() => this.opts.api.listTasks(this.opts.cluster, STARTED_BY))
    const tasks = (arns.length > 0 ? await this.describe(arns) : []).filter((t) =>
      matchesFilter(t, filter),
    )
    const addresses = await this.addresses(tasks)
    return tasks.map((t) => instanceOf(t, t.eniId ? addresses.get(t.eniId) : undefined))
  }

  private taskDefinition(
    spec: PreviewSpec,
    settings: EcsLaunchSettings,
  ): Promise<ResolvedTaskDefinition> {
    const key = JSON.stringify([spec.engine.name, spec.image])
    let found = this.definitions.get(key)
    if (!found) {
      found = this.call(() => resolveTaskDefinition(this.opts.api, spec, settings))
      this.definitions.set(key, found)
    }
    return found
  }

  private describe(tasks: string[]): Promise<EcsTask[]> {
    return this.call(() => this.opts.api.describeTasks(this.opts.cluster, tasks))
  }

  private addresses(tasks: EcsTask[]) {
    const ids = tasks.flatMap((t) => (t.eniId ? [t.eniId] : []))
    return this.call(() => this.opts.api.describeAddresses(ids))
  }

  private wantsPublicIp(): boolean {
    return this.opts.launch?.assignPublicIp ?? true
  }

  private warnIfPrivate(task: EcsTask, publicIp: string | undefined, host: string | undefined) {
    if (publicIp || !host || this.warned.has(task.id)) return
    this.warned.add(task.id)
    const why = this.wantsPublicIp()
      ? `subnet ${task.subnetId ?? '(unknown)'} gave it none`
      : "input 'assign-public-ip' is false"
    // TODO: no public URL for tasks in private subnets yet; a load balancer option would give
    // them one. Until then the private address is the best we can report.
    core.warning(
      `Task ${task.id} has no public IP (${why}); the preview URL uses its private IP ${host}, which only machines inside the VPC reach, such as self-hosted runners there.`,
    )
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      throw this.explain(error)
    }
  }

  private explain(error: unknown): Error {
    const ctx: EcsErrorContext = {
      cluster: this.opts.cluster,
      region: this.opts.api.region,
      ecsEndpoint: this.opts.ecsEndpoint,
      ec2Endpoint: this.opts.ec2Endpoint,
    }
    return explainAwsError(error, ctx)
  }
}

function containerStateOf(task: EcsTask): ContainerState {
  const emulator = task.containers.find((c) => c.name === EMULATOR_CONTAINER)
  return {
    id: task.id,
    name: EMULATOR_CONTAINER,
    running: statusOf(task) === 'running',
    status: task.lastStatus.toLowerCase(),
    exitCode: emulator?.exitCode ?? 0,
    oomKilled: false,
    error: task.stoppedReason ?? '',
    labels: task.tags,
  }
}
