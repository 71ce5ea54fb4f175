// What the loopback ECS server knows: clusters, the subnets and security groups it accepts,
// task definitions, tasks, RunTask client tokens, and the capacity failures tests queue up.
import {
  AwsError,
  arn,
  clusterNotFound,
  invalidParameter,
  type Scope,
  type Tag,
  type TaskDefinitionRecord,
  type TaskRecord,
} from './ecs-model.js'
import { TaskDefinitions } from './ecs-task-definitions.js'
import type { RunTaskFailure } from './ecs-tasks.js'

export interface ClusterRecord {
  name: string
  arn: string
  tags: Tag[]
}

interface ClientTokenRecord {
  fingerprint: string
  taskArns: string[]
  failures: RunTaskFailure[]
}

/** A resource that takes tags, found from its ARN. */
export type Taggable =
  | { kind: 'task'; task: TaskRecord }
  | { kind: 'task-definition'; taskDefinition: TaskDefinitionRecord }
  | { kind: 'cluster'; cluster: ClusterRecord }

export class EcsState {
  readonly clusters = new Map<string, ClusterRecord>()
  readonly subnets = new Set<string>()
  readonly securityGroups = new Set<string>()
  readonly taskDefinitions: TaskDefinitions
  /** Every task ever started, in the order RunTask created them. */
  readonly tasks = new Map<string, TaskRecord>()
  readonly clientTokens = new Map<string, ClientTokenRecord>()
  private readonly runTaskFailures: Array<RunTaskFailure & { times: number }> = []

  constructor(readonly scope: Scope) {
    this.taskDefinitions = new TaskDefinitions(scope)
    this.addCluster('default')
  }

  addCluster(name: string, tags: Tag[] = []): ClusterRecord {
    const existing = this.clusters.get(name)
    if (existing) return existing
    const record = { name, arn: arn(this.scope, `cluster/${name}`), tags }
    this.clusters.set(name, record)
    return record
  }

  /** The cluster a request names by name or ARN; 'default' when it names none. */
  cluster(ref: string | undefined): ClusterRecord {
    const found = this.findCluster(ref ?? 'default')
    if (!found) throw clusterNotFound()
    return found
  }

  findCluster(ref: string): ClusterRecord | undefined {
    const prefix = arn(this.scope, 'cluster/')
    if (ref.startsWith('arn:') && !ref.startsWith(prefix)) return undefined
    return this.clusters.get(ref.startsWith(prefix) ? ref.slice(prefix.length) : ref)
  }

  queueRunTaskFailure(failure: RunTaskFailure & { times?: number }): void {
    const { times = 1, ...rest } = failure
    this.runTaskFailures.push({ ...rest, times })
  }

  /** The next queued capacity failure, if any; each task RunTask tries to place takes one. */
  takeRunTaskFailure(): RunTaskFailure | undefined {
    const next = this.runTaskFailures[0]
    if (!next) return undefined
    next.times--
    if (next.times <= 0) this.runTaskFailures.shift()
    const out: RunTaskFailure = { reason: next.reason }
    if (next.detail !== undefined) out.detail = next.detail
    if (next.arn !== undefined) out.arn = next.arn
    return out
  }

  /** Finds a task, task definition or cluster by ARN for the tagging operations. */
  taggable(resourceArn: string): Taggable {
    const match = /^arn:aws:ecs:([^:]+):([^:]+):(task|task-definition|cluster)\/(.+)$/.exec(
      resourceArn,
    )
    if (!match) throw invalidParameter('The ARN provided is invalid.')
    const [, region, account, kind, rest = ''] = match
    const notFound = new AwsError(
      'ResourceNotFoundException',
      'The specified resource was not found.',
    )
    if (region !== this.scope.region || account !== this.scope.accountId) throw notFound
    if (kind === 'task') {
      const task = this.tasks.get(resourceArn)
      if (!task) {
        if (!this.clusters.has(rest.split('/')[0] ?? '')) throw clusterNotFound()
        throw notFound
      }
      return { kind: 'task', task }
    }
    if (kind === 'task-definition') {
      const taskDefinition = /:\d+$/.test(rest) ? this.taskDefinitions.find(resourceArn) : undefined
      if (!taskDefinition) throw notFound
      return { kind: 'task-definition', taskDefinition }
    }
    const cluster = this.clusters.get(rest)
    if (!cluster) throw clusterNotFound()
    return { kind: 'cluster', cluster }
  }
}
