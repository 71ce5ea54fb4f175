import * as core from '@actions/core'
import { AwsCallError, type EcsApi, type EcsTask, type RunTaskInput } from '../aws/ecs-api.js'
import { describeServices, probeEmulator } from '../container/probe.js'
import { waitUntilReady } from '../container/wait-ready.js'
import { ENGINES } from '../engines.js'
import { type Clock, systemClock } from '../util/clock.js'
import { ActionError, errorMessage } from '../util/errors.js'
import { type EcsErrorContext, explainAwsError, explainRunTaskFailures } from './ecs-errors.js'
import {
  containerStateOf,
  describeStop,
  firstClientToken,
  instanceOf,
  matchesFilter,
  nextClientToken,
  STARTED_BY,
  statusOf,
} from './ecs-instance.js'
import {
  logLocation,
  type ResolvedTaskDefinition,
  resolveTaskDefinition,
  runTaskInput,
} from './ecs-setup.js'
import type { EcsLaunchSettings } from './ecs-task-definition.js'
import { TaskWatch } from './ecs-tasks.js'
import { describeKey } from './labels.js'
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
  private readonly watch: TaskWatch

  constructor(private readonly opts: EcsProviderOptions) {
    this.clock = opts.clock ?? systemClock
    this.poll = opts.poll ?? { firstMs: 250, maxMs: 3000 }
    this.watch = new TaskWatch({
      api: opts.api,
      cluster: opts.cluster,
      clock: this.clock,
      poll: this.poll,
      wantsPublicIp: opts.launch?.assignPublicIp ?? true,
      explain: (error) => this.explain(error),
    })
  }

  /**
   * Runs the preview's task and waits until ECS has given it an address. Overlapping runs send
   * the same client token, so ECS starts one task and the other run adopts it.
   */
  async launch(spec: PreviewSpec): Promise<PreviewInstance> {
    const settings = this.opts.launch
    if (!settings) throw new ActionError('The ECS provider was created without launch settings.')
    const td = await this.taskDefinition(spec, settings)
    const input = runTaskInput(spec, td, settings, this.opts.cluster)
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
    const found = await this.watch.awaitAddress(task.arn, this.opts.startTimeoutMs)
    if ('instance' in found) return found.instance
    const last = found.timedOut
    if (!adopted && last)
      await this.destroy(instanceOf(last, undefined), 'it got no address in time')
    throw new ActionError(
      `Task ${task.id} got no network interface within ${Math.round(this.opts.startTimeoutMs / 1000)} s (it is ${last?.lastStatus ?? 'gone'}). Fargate may be slow to provision in these 'subnets'; raise 'wait-timeout' or run again.`,
    )
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
        const earlier = ids.length > 0 ? await this.watch.describe(ids) : []
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

  async waitUntilReady(
    instance: PreviewInstance,
    timeoutMs: number,
  ): Promise<ReadyResult & { instance: PreviewInstance }> {
    const started = this.clock.now()
    const running = await this.watch.awaitRunning(instance, started + timeoutMs)
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
          last = (await this.watch.describe([current.id]))[0]
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
    if (result.outcome === 'exited') last = await this.watch.settle(current.id, last)
    const logs = await this.logs(current, 50)
    const reason =
      result.outcome === 'exited'
        ? `the task stopped: ${last ? describeStop(last) : 'ECS no longer knows it'}`
        : `not ready after ${Math.round(ms / 1000)} s; last seen: ${result.last?.detail ?? 'no answer'}`
    return { ready: false, ms, reason, logs, instance: current }
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
      // A task listed while it was provisioning has an address by now.
      return (await this.watch.current(instance.id)) ?? instance
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

  async logs(instance: PreviewInstance, _tail: number): Promise<string> {
    try {
      const [task] = await this.watch.describe([instance.id])
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
    if (!(await this.watch.awaitStopped(instance.id, this.opts.stopTimeoutMs))) {
      core.info(`Task ${instance.id} is still stopping; ECS finishes that by itself.`)
    }
  }

  async list(filter: ListFilter): Promise<PreviewInstance[]> {
    const arns = await this.call(() => this.opts.api.listTasks(this.opts.cluster, STARTED_BY))
    const tasks = (arns.length > 0 ? await this.watch.describe(arns) : []).filter((t) =>
      matchesFilter(t, filter),
    )
    const addresses = await this.watch.addresses(tasks)
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
