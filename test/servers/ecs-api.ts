// The ECS operations the loopback server answers, by x-amz-target operation name. Each takes
// the parsed JSON body and returns the JSON answer, or throws an AwsError.
import {
  AwsError,
  type Body,
  clientException,
  invalidParameter,
  mergeTags,
  readTags,
  type Tag,
} from './ecs-model.js'
import type { ClusterRecord, EcsState } from './ecs-state.js'
import { renderTaskDefinition } from './ecs-task-definitions.js'
import { describeTasks, listTasks, runTask, stopTask } from './ecs-tasks.js'

type Operation = (state: EcsState, body: Body, now: number) => Record<string, unknown>

const operations: Record<string, Operation> = {
  RegisterTaskDefinition: (state, body, now) => {
    const td = state.taskDefinitions.register(body, now)
    return { taskDefinition: renderTaskDefinition(td), tags: td.tags }
  },
  DescribeTaskDefinition: (state, body) => {
    const ref = body.string('taskDefinition') ?? ''
    const td = ref === '' ? undefined : state.taskDefinitions.find(ref)
    if (!td) throw clientException('Unable to describe task definition.')
    const out: Record<string, unknown> = { taskDefinition: renderTaskDefinition(td) }
    if ((body.strings('include') ?? []).includes('TAGS')) out.tags = td.tags
    return out
  },
  DeregisterTaskDefinition: (state, body, now) => {
    const td = state.taskDefinitions.deregister(body.string('taskDefinition') ?? '', now)
    return { taskDefinition: renderTaskDefinition(td) }
  },
  ListTaskDefinitions: (state, body) => {
    const prefix = body.string('familyPrefix')
    const status = body.string('status') ?? 'ACTIVE'
    let arns = state.taskDefinitions
      .all()
      .filter(
        (td) => (prefix === undefined || td.family.startsWith(prefix)) && td.status === status,
      )
      .map((td) => td.arn)
    if (body.string('sort') === 'DESC') arns = arns.reverse()
    return { taskDefinitionArns: arns }
  },
  RunTask: runTask,
  DescribeTasks: describeTasks,
  ListTasks: listTasks,
  StopTask: stopTask,
  TagResource: (state, body) => {
    const tags = readTags(body.objects('tags'))
    if (tags.length === 0) throw invalidParameter('Tags can not be empty.')
    const target = state.taggable(body.string('resourceArn') ?? '')
    if (target.kind === 'task' && target.task.lastStatus === 'STOPPED') {
      throw invalidParameter('The specified task is stopped. Specify a running task and try again.')
    }
    setTags(target, mergeTags(tagsOf(target), tags))
    return {}
  },
  UntagResource: (state, body) => {
    const keys = body.strings('tagKeys') ?? []
    const target = state.taggable(body.string('resourceArn') ?? '')
    setTags(
      target,
      tagsOf(target).filter((t) => !keys.includes(t.key)),
    )
    return {}
  },
  ListTagsForResource: (state, body) => ({
    tags: tagsOf(state.taggable(body.string('resourceArn') ?? '')),
  }),
  CreateCluster: (state, body) => {
    const name = body.string('clusterName') ?? 'default'
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
      throw invalidParameter(
        'Cluster name can have up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.',
      )
    }
    const cluster = state.addCluster(name, readTags(body.objects('tags')))
    return { cluster: renderCluster(state, cluster, true) }
  },
  DescribeClusters: (state, body) => {
    const refs = body.strings('clusters') ?? ['default']
    const includeTags = (body.strings('include') ?? []).includes('TAGS')
    const clusters: Record<string, unknown>[] = []
    const failures: Array<{ arn: string; reason: string }> = []
    for (const ref of refs) {
      const cluster = state.findCluster(ref)
      if (cluster) clusters.push(renderCluster(state, cluster, includeTags))
      else {
        const arn = ref.startsWith('arn:')
          ? ref
          : `arn:aws:ecs:${state.scope.region}:${state.scope.accountId}:cluster/${ref}`
        failures.push({ arn, reason: 'MISSING' })
      }
    }
    return { clusters, failures }
  },
  ListClusters: (state) => ({ clusterArns: [...state.clusters.values()].map((c) => c.arn) }),
}

/** Answers one ECS operation; unknown names fail like ECS does for an unknown target. */
export function callEcs(
  state: EcsState,
  operation: string,
  body: Body,
  now: number,
): Record<string, unknown> {
  const run = operations[operation]
  if (!run) {
    throw new AwsError('UnknownOperationException', `Operation ${operation} is not supported here.`)
  }
  return run(state, body, now)
}

export function knownEcsOperation(operation: string): boolean {
  return operation in operations
}

function tagsOf(target: ReturnType<EcsState['taggable']>): Tag[] {
  if (target.kind === 'task') return target.task.tags
  if (target.kind === 'task-definition') return target.taskDefinition.tags
  return target.cluster.tags
}

function setTags(target: ReturnType<EcsState['taggable']>, tags: Tag[]): void {
  if (target.kind === 'task') target.task.tags = tags
  else if (target.kind === 'task-definition') target.taskDefinition.tags = tags
  else target.cluster.tags = tags
}

function renderCluster(
  state: EcsState,
  cluster: ClusterRecord,
  includeTags: boolean,
): Record<string, unknown> {
  const tasks = [...state.tasks.values()].filter((t) => t.clusterArn === cluster.arn)
  return {
    clusterArn: cluster.arn,
    clusterName: cluster.name,
    status: 'ACTIVE',
    registeredContainerInstancesCount: 0,
    runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingTasksCount: tasks.filter(
      (t) => t.lastStatus === 'PROVISIONING' || t.lastStatus === 'PENDING',
    ).length,
    activeServicesCount: 0,
    statistics: [],
    tags: includeTags ? cluster.tags : [],
    settings: [{ name: 'containerInsights', value: 'disabled' }],
    capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
    defaultCapacityProviderStrategy: [],
  }
}
