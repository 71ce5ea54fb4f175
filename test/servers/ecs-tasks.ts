// RunTask, DescribeTasks, ListTasks and StopTask for the loopback ECS server. RunTask only
// records the task; the lifecycle starts its containers later, as ECS does.
import {
  AwsError,
  arn,
  type Body,
  type ContainerRecord,
  clientException,
  invalidParameter,
  type KeyValue,
  newEniId,
  newMacAddress,
  newTaskId,
  newUuid,
  type Tag,
  type TaskDefinitionRecord,
  type TaskRecord,
} from './ecs-model.js'
import { renderTask } from './ecs-render.js'
import {
  type ContainerOverride,
  type Launch,
  type Network,
  readLaunch,
  readNetwork,
  readOverrides,
  taskTags,
} from './ecs-run-input.js'
import type { ClusterRecord, EcsState } from './ecs-state.js'

/** A RunTask failure that stands for missing capacity, handed out by `injectRunTaskFailure`. */
export interface RunTaskFailure {
  reason: string
  detail?: string
  arn?: string
}

export function runTask(state: EcsState, body: Body, now: number): Record<string, unknown> {
  const cluster = state.cluster(body.string('cluster'))
  const tdRef = body.string('taskDefinition') ?? ''
  if (tdRef === '') throw invalidParameter('TaskDefinition can not be blank.')
  const td = state.taskDefinitions.find(tdRef)
  if (!td) throw invalidParameter('TaskDefinition not found.')
  if (td.status === 'INACTIVE') throw clientException('TaskDefinition is inactive')
  const count = body.number('count') ?? 1
  if (!Number.isInteger(count) || count < 1 || count > 10) {
    throw invalidParameter('count must be between 1 and 10.')
  }
  const launch = readLaunch(body, td)
  const network = readNetwork(state, body, td)
  const overrides = readOverrides(body, td)

  // A retried RunTask carries the same client token: answer with the tasks it started.
  const clientToken = body.string('clientToken')
  const fingerprint = JSON.stringify({ ...body.raw, clientToken: undefined })
  const earlier = clientToken === undefined ? undefined : state.clientTokens.get(clientToken)
  if (earlier && earlier.fingerprint !== fingerprint) {
    throw new AwsError(
      'ConflictException',
      'The clientToken is already in use with a different RunTask request.',
      400,
      { resourceIds: earlier.taskArns },
    )
  }
  if (earlier) {
    const tasks = earlier.taskArns.flatMap((a) => state.tasks.get(a) ?? [])
    return { tasks: tasks.map((t) => renderTask(t, false)), failures: earlier.failures }
  }

  const startedBy = body.string('startedBy')
  if (startedBy !== undefined && startedBy.length > 128) {
    throw invalidParameter('startedBy must be at most 128 characters long.')
  }
  const tags = taskTags(body, td, cluster)
  const tasks: TaskRecord[] = []
  const failures: RunTaskFailure[] = []
  for (let i = 0; i < count; i++) {
    const failure = state.takeRunTaskFailure()
    if (failure) {
      failures.push(failure)
      continue
    }
    const task = newTask(state, { cluster, td, launch, network, overrides, tags, now, body })
    state.tasks.set(task.taskArn, task)
    tasks.push(task)
  }
  if (clientToken !== undefined) {
    state.clientTokens.set(clientToken, {
      fingerprint,
      taskArns: tasks.map((t) => t.taskArn),
      failures,
    })
  }
  return { tasks: tasks.map((t) => renderTask(t, false)), failures }
}

export function describeTasks(state: EcsState, body: Body): Record<string, unknown> {
  const cluster = state.cluster(body.string('cluster'))
  const refs = body.strings('tasks') ?? []
  if (refs.length === 0) throw invalidParameter('Tasks cannot be empty.')
  if (refs.length > 100) throw invalidParameter('Tasks cannot have more than 100 items.')
  const includeTags = (body.strings('include') ?? []).includes('TAGS')
  const tasks: Record<string, unknown>[] = []
  const failures: Array<{ arn: string; reason: string }> = []
  for (const ref of refs) {
    const task = findTask(state, cluster, ref)
    if (task) tasks.push(renderTask(task, includeTags))
    else failures.push({ arn: taskArnOf(state, cluster, ref), reason: 'MISSING' })
  }
  return { tasks, failures }
}

export function listTasks(state: EcsState, body: Body): Record<string, unknown> {
  const cluster = state.cluster(body.string('cluster'))
  const family = body.string('family')
  const startedBy = body.string('startedBy')
  const launchType = body.string('launchType')
  const serviceName = body.string('serviceName')
  const desiredStatus = body.string('desiredStatus') ?? 'RUNNING'
  if (!['RUNNING', 'PENDING', 'STOPPED'].includes(desiredStatus)) {
    throw invalidParameter(
      `desiredStatus must be RUNNING, PENDING or STOPPED, got '${desiredStatus}'.`,
    )
  }
  const maxResults = body.number('maxResults') ?? 100
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100) {
    throw invalidParameter('maxResults must be between 1 and 100.')
  }
  const matching = [...state.tasks.values()].filter(
    (t) =>
      t.clusterArn === cluster.arn &&
      t.desiredStatus === desiredStatus &&
      (family === undefined || t.family === family) &&
      (startedBy === undefined || t.startedBy === startedBy) &&
      (launchType === undefined || t.launchType === launchType) &&
      // Only services start tasks that belong to a service; RunTask never does.
      serviceName === undefined,
  )
  const offset = readPageToken(body.string('nextToken'))
  const page = matching.slice(offset, offset + maxResults)
  const next = offset + page.length
  const out: Record<string, unknown> = { taskArns: page.map((t) => t.taskArn) }
  if (next < matching.length) out.nextToken = pageToken(next)
  return out
}

export function stopTask(state: EcsState, body: Body, now: number): Record<string, unknown> {
  const cluster = state.cluster(body.string('cluster'))
  const ref = body.string('task') ?? ''
  if (ref === '') throw invalidParameter('Task can not be blank.')
  const task = findTask(state, cluster, ref)
  if (!task) throw invalidParameter('The referenced task was not found.')
  const reason = body.string('reason')
  if (reason !== undefined && reason.length > 255) {
    throw invalidParameter('Reason must be at most 255 characters long.')
  }
  if (task.desiredStatus !== 'STOPPED') {
    task.desiredStatus = 'STOPPED'
    task.stopCode = 'UserInitiated'
    task.stoppedReason = reason ?? 'Task stopped by user'
    task.stoppingAt = now
    task.version++
  }
  return { task: renderTask(task, false) }
}

/** Finds a task of `cluster` by ARN or by id. */
export function findTask(
  state: EcsState,
  cluster: ClusterRecord,
  ref: string,
): TaskRecord | undefined {
  const task = state.tasks.get(taskArnOf(state, cluster, ref))
  return task?.clusterArn === cluster.arn ? task : undefined
}

function taskArnOf(state: EcsState, cluster: ClusterRecord, ref: string): string {
  return ref.startsWith('arn:') ? ref : arn(state.scope, `task/${cluster.name}/${ref}`)
}

interface NewTask {
  cluster: ClusterRecord
  td: TaskDefinitionRecord
  launch: Launch
  network: Network
  overrides: ContainerOverride[]
  tags: Tag[]
  now: number
  body: Body
}

function newTask(state: EcsState, n: NewTask): TaskRecord {
  const taskId = newTaskId()
  const taskOverrides = n.body.object('overrides')
  const containers: ContainerRecord[] = n.td.containers.map((c) => {
    const o = n.overrides.find((x) => x.name === c.name)
    const container: ContainerRecord = {
      name: c.name,
      containerArn: arn(state.scope, `container/${n.cluster.name}/${taskId}/${newUuid()}`),
      image: c.image,
      essential: c.essential,
      environment: mergeEnvironment(c.environment, o?.environment ?? []),
      stopTimeout: c.stopTimeout ?? 30,
      healthStatus: 'UNKNOWN',
      lastStatus: 'PENDING',
    }
    if (c.healthCheck !== undefined) container.healthCheck = c.healthCheck
    if (c.workingDirectory !== undefined) container.workingDirectory = c.workingDirectory
    if (c.user !== undefined) container.user = c.user
    const command = o?.command ?? c.command
    if (command !== undefined) container.command = command
    if (c.entryPoint !== undefined) container.entryPoint = c.entryPoint
    if (c.memory !== undefined) container.memory = c.memory
    return container
  })
  const task: TaskRecord = {
    taskArn: arn(state.scope, `task/${n.cluster.name}/${taskId}`),
    taskId,
    clusterArn: n.cluster.arn,
    clusterName: n.cluster.name,
    taskDefinitionArn: n.td.arn,
    family: n.td.family,
    launchType: n.launch.launchType,
    group: n.body.string('group') ?? `family:${n.td.family}`,
    lastStatus: 'PROVISIONING',
    desiredStatus: 'RUNNING',
    createdAt: n.now,
    version: 1,
    enableExecuteCommand: n.body.boolean('enableExecuteCommand') ?? false,
    tags: n.tags,
    overrides: {
      ...taskOverrides?.raw,
      containerOverrides: n.td.containers.map(
        (c) => n.overrides.find((o) => o.name === c.name)?.raw ?? { name: c.name },
      ),
      inferenceAcceleratorOverrides: [],
    },
    eni: {
      id: newEniId(),
      attachmentId: newUuid(),
      macAddress: newMacAddress(),
      subnetId: n.network.subnets[0] ?? '',
      securityGroups: n.network.securityGroups,
      assignPublicIp: n.network.assignPublicIp,
      status: 'PRECREATED',
    },
    containers,
  }
  const cpu = taskOverrides?.string('cpu') ?? n.td.cpu
  const memory = taskOverrides?.string('memory') ?? n.td.memory
  if (cpu !== undefined) task.cpu = cpu
  if (memory !== undefined) task.memory = memory
  if (n.launch.capacityProviderName) task.capacityProviderName = n.launch.capacityProviderName
  const startedBy = n.body.string('startedBy')
  if (startedBy !== undefined) task.startedBy = startedBy
  return task
}

/** Override variables replace same-named ones and the rest are added, as ECS merges them. */
function mergeEnvironment(base: KeyValue[], extra: KeyValue[]): KeyValue[] {
  const out = base.map((e) => ({ ...e }))
  for (const e of extra) {
    const at = out.findIndex((o) => o.name === e.name)
    if (at === -1) out.push({ ...e })
    else out[at] = { ...e }
  }
  return out
}

function pageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64url')
}

function readPageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      offset?: unknown
    }
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset
  } catch {
    // fall through to the error below
  }
  throw invalidParameter('Invalid nextToken.')
}
