// Watching preview tasks through their lifecycle: their address once ECS attached the network
// interface, RUNNING, and STOPPED. Polls start fast and slow down, since Fargate takes tens of
// seconds where the loopback server takes milliseconds.
import * as core from '@actions/core'
import type { EcsApi, EcsTask, EniAddress } from '../aws/ecs-api.js'
import type { Clock } from '../util/clock.js'
import { ActionError } from '../util/errors.js'
import { describeStop, hostOf, instanceOf, statusOf } from './ecs-instance.js'
import type { PreviewInstance } from './provider.js'

export interface TaskWatchOptions {
  api: EcsApi
  cluster: string
  clock: Clock
  poll: { firstMs: number; maxMs: number }
  /** Whether tasks were asked for a public IP; a warning about a missing one says why. */
  wantsPublicIp: boolean
  /** Turns an AWS failure into the message the user sees. */
  explain: (error: unknown) => Error
}

export type Running =
  | { ok: true; instance: PreviewInstance; task: EcsTask }
  | { ok: false; instance: PreviewInstance; reason: string }

export class TaskWatch {
  private readonly warned = new Set<string>()

  constructor(private readonly opts: TaskWatchOptions) {}

  async describe(tasks: string[]): Promise<EcsTask[]> {
    return this.call(() => this.opts.api.describeTasks(this.opts.cluster, tasks))
  }

  async addresses(tasks: EcsTask[]): Promise<Map<string, EniAddress>> {
    const ids = tasks.flatMap((t) => (t.eniId ? [t.eniId] : []))
    return this.call(() => this.opts.api.describeAddresses(ids))
  }

  /** The instance as ECS sees it now, address included; undefined once ECS forgot the task. */
  async current(id: string): Promise<PreviewInstance | undefined> {
    const [task] = await this.describe([id])
    if (!task) return undefined
    const address = task.eniId ? (await this.addresses([task])).get(task.eniId) : undefined
    return instanceOf(task, address)
  }

  /**
   * Polls a new task until its network interface has an address (ECS attaches it at PENDING),
   * or it stops; when time runs out, the task's last state instead.
   */
  async awaitAddress(
    id: string,
    timeoutMs: number,
  ): Promise<{ instance: PreviewInstance } | { timedOut: EcsTask | undefined }> {
    let last: EcsTask | undefined
    const instance = await this.pollUntil(this.opts.clock.now() + timeoutMs, async () => {
      const [task] = await this.describe([id])
      last = task
      if (!task) throw new ActionError(`ECS no longer knows task ${id}, started just now.`)
      const status = statusOf(task)
      if (status === 'stopped' || status === 'stopping') return instanceOf(task, undefined)
      if (!task.eniId || task.lastStatus === 'PROVISIONING') return undefined
      const address = (await this.addresses([task])).get(task.eniId)
      // A public IP can trail the interface by a moment; RUNNING without one means none.
      if (address?.publicIp || !this.opts.wantsPublicIp || task.lastStatus === 'RUNNING') {
        this.warnIfPrivate(task, address)
        return instanceOf(task, address)
      }
      return undefined
    })
    return instance ? { instance } : { timedOut: last }
  }

  /** Polls until the task runs and has an address, stops (with why), or the deadline passes. */
  async awaitRunning(instance: PreviewInstance, deadline: number): Promise<Running> {
    let lastStatus = instance.status as string
    const outcome = await this.pollUntil(deadline, async (): Promise<Running | undefined> => {
      const [task] = await this.describe([instance.id])
      if (!task) return { ok: false, instance, reason: `ECS no longer knows task ${instance.id}` }
      lastStatus = task.lastStatus
      const status = statusOf(task)
      if (status === 'stopped' || status === 'stopping') {
        const settled = (await this.settle(instance.id, task)) ?? task
        return { ok: false, instance, reason: `the task stopped: ${describeStop(settled)}` }
      }
      if (status !== 'running' || !task.eniId) return undefined
      const address = (await this.addresses([task])).get(task.eniId)
      this.warnIfPrivate(task, address)
      const current = instanceOf(task, address)
      return current.endpoint === '' ? undefined : { ok: true, instance: current, task }
    })
    return (
      outcome ?? {
        ok: false,
        instance,
        reason: `task ${instance.id} was still ${lastStatus} when 'wait-timeout' ran out`,
      }
    )
  }

  /**
   * A stopping task's final state, so a failure report has every container's exit code; waits
   * at most 10 s (Fargate may take longer, then the report shows what is known).
   */
  async settle(id: string, seen: EcsTask | undefined): Promise<EcsTask | undefined> {
    if (!seen || seen.lastStatus === 'STOPPED') return seen
    await this.awaitStopped(id, 10_000)
    return (await this.describe([id]))[0] ?? seen
  }

  /** Whether the task reached STOPPED (or ECS forgot it) before the timeout. */
  async awaitStopped(id: string, timeoutMs: number): Promise<boolean> {
    const done = await this.pollUntil(this.opts.clock.now() + timeoutMs, async () => {
      const [task] = await this.describe([id])
      return !task || task.lastStatus === 'STOPPED' ? true : undefined
    })
    return done === true
  }

  /** Once per task: no public IP means people outside the VPC cannot open the preview. */
  warnIfPrivate(task: EcsTask, address: EniAddress | undefined): void {
    const host = hostOf(task, address)
    if (address?.publicIp || !host || this.warned.has(task.id)) return
    this.warned.add(task.id)
    const why = this.opts.wantsPublicIp
      ? `subnet ${task.subnetId ?? '(unknown)'} gave it none`
      : "input 'assign-public-ip' is false"
    // TODO: no public URL for tasks in private subnets yet; a load balancer option would give
    // them one. Until then the private address is the best we can report.
    core.warning(
      `Task ${task.id} has no public IP (${why}); the preview URL uses its private IP ${host}, which only machines inside the VPC reach, such as self-hosted runners there.`,
    )
  }

  /** Runs `step` until it returns a value or the deadline passes, backing off between tries. */
  private async pollUntil<T>(deadline: number, step: () => Promise<T | undefined>) {
    const { clock, poll } = this.opts
    let delay = poll.firstMs
    for (;;) {
      const value = await step()
      if (value !== undefined) return value
      const left = deadline - clock.now()
      if (left <= 0) return undefined
      await clock.sleep(Math.min(delay, left))
      delay = Math.min(poll.maxMs, Math.round(delay * 1.5))
    }
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      throw this.opts.explain(error)
    }
  }
}
