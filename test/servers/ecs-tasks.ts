// RunTask, DescribeTasks, ListTasks and StopTask for the loopback ECS server, and the Task shape
// ECS answers with. Containers are started later by the lifecycle, as ECS does.

import {
  AwsError,
  arn,
  type Body,
  type ContainerRecord,
  clientException,
  epochSeconds,
  invalidParameter,
  type KeyValue,
  mergeTags,
  newEniId,
  newMacAddress,
  newTaskId,
  newUuid,
  readTags,
  type Tag,
  type TaskDefinitionRecord,
  type TaskRecord,
} from './ecs-model.js'
import type { ClusterRecord, EcsState } from './ecs-state.js'

/** A RunTask failure that stands for missing capacity, handed out by `injectRunTaskFailure`. */
export interface RunTaskFailure {
  reason: string
  detail?: string
  arn?: string
}

const FARGATE_PROVIDERS = ['FARGATE', 'FARGATE_SPOT']

interface Launch {
  launchType: string
  capacityProviderName?: string
}

interface Network {
  subnets: string[]
  securityGroups: string[]
  assignPublicIp: boolean
}

interface ContainerOverride {
  name: string
  environment?: KeyValue[]
  command?: string[]
  raw: Record<string, unknown>
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

function readLaunch(body: Body, td: TaskDefinitionRecord): Launch {
  const launchType = body.string('launchType')
  const strategy = body.objects('capacityProviderStrategy')
  if (launchType !== undefined && strategy !== undefined && strategy.length > 0) {
    throw invalidParameter(
      'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.',
    )
  }
  let launch: Launch = { launchType: launchType ?? 'EC2' }
  if (strategy !== undefined && strategy.length > 0) {
    const names = strategy.map((s) => s.string('capacityProvider') ?? '')
    const unknown = names.find((n) => !FARGATE_PROVIDERS.includes(n))
    if (unknown !== undefined) {
      throw invalidParameter(
        `The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster: '${unknown}'.`,
      )
    }
    launch = { launchType: 'FARGATE', capacityProviderName: names[0] }
  }
  if (launch.launchType === 'EC2' || launch.launchType === 'EXTERNAL') {
    // This server has no container instances; only Fargate tasks can be placed.
    throw invalidParameter('No Container Instances were found in your cluster.')
  }
  if (launch.launchType !== 'FARGATE') {
    throw invalidParameter(
      `launchType must be EC2, FARGATE or EXTERNAL, got '${launch.launchType}'.`,
    )
  }
  if (!td.compatibilities.includes('FARGATE')) {
    throw invalidParameter('Task definition does not support launch_type FARGATE.')
  }
  return launch
}

function readNetwork(state: EcsState, body: Body, td: TaskDefinitionRecord): Network {
  const vpc = body.object('networkConfiguration')?.object('awsvpcConfiguration')
  if (!vpc) {
    throw invalidParameter(
      `Network Configuration must be provided when networkMode '${td.networkMode}' is specified.`,
    )
  }
  const subnets = vpc.strings('subnets') ?? []
  if (subnets.length === 0) throw invalidParameter('subnets can not be empty.')
  if (subnets.length > 16) throw invalidParameter('subnets can have at most 16 items.')
  const badSubnets = subnets.filter((s) => !state.subnets.has(s))
  if (badSubnets.length > 0) {
    throw invalidParameter(
      `Error retrieving subnet information for [${badSubnets.join(', ')}]: The subnet ID '${badSubnets[0]}' does not exist (ErrorCode: InvalidSubnetID.NotFound)`,
    )
  }
  const securityGroups = vpc.strings('securityGroups') ?? []
  if (securityGroups.length > 5) throw invalidParameter('securityGroups can have at most 5 items.')
  const badGroups = securityGroups.filter((g) => !state.securityGroups.has(g))
  if (badGroups.length > 0) {
    throw invalidParameter(
      `Error retrieving security group information for [${badGroups.join(', ')}]: The security group '${badGroups[0]}' does not exist (ErrorCode: InvalidGroup.NotFound)`,
    )
  }
  const assign = vpc.string('assignPublicIp') ?? 'DISABLED'
  if (assign !== 'ENABLED' && assign !== 'DISABLED') {
    throw invalidParameter(`assignPublicIp must be ENABLED or DISABLED, got '${assign}'.`)
  }
  return { subnets, securityGroups, assignPublicIp: assign === 'ENABLED' }
}

function readOverrides(body: Body, td: TaskDefinitionRecord): ContainerOverride[] {
  const items = body.object('overrides')?.objects('containerOverrides') ?? []
  return items.map((o) => {
    const name = o.string('name') ?? ''
    if (!td.containers.some((c) => c.name === name)) {
      throw invalidParameter(
        `Override for container named ${name} is not a container in the TaskDefinition.`,
      )
    }
    const environment = o.objects('environment')?.map((e) => ({
      name: e.string('name') ?? '',
      value: e.string('value') ?? '',
    }))
    return { name, environment, command: o.strings('command'), raw: o.raw }
  })
}

function taskTags(body: Body, td: TaskDefinitionRecord, cluster: ClusterRecord): Tag[] {
  let tags: Tag[] = []
  const propagate = body.string('propagateTags') ?? 'NONE'
  if (propagate === 'SERVICE') {
    throw invalidParameter('The propagateTags value SERVICE is only valid for services.')
  }
  if (propagate === 'TASK_DEFINITION') tags = mergeTags(tags, td.tags)
  tags = mergeTags(tags, readTags(body.objects('tags')))
  if (body.boolean('enableECSManagedTags')) {
    tags = mergeTags(tags, [{ key: 'aws:ecs:clusterName', value: cluster.name }])
  }
  return tags
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

/** The Task shape of RunTask, DescribeTasks and StopTask. */
export function renderTask(t: TaskRecord, includeTags: boolean): Record<string, unknown> {
  return prune({
    attachments: [renderAttachment(t)],
    attributes: [{ name: 'ecs.cpu-architecture', value: 'x86_64' }],
    availabilityZone: `${t.clusterArn.split(':')[3]}a`,
    capacityProviderName: t.capacityProviderName,
    clusterArn: t.clusterArn,
    connectivity: t.connectivityAt === undefined ? undefined : 'CONNECTED',
    connectivityAt: epochSeconds(t.connectivityAt),
    containers: t.containers.map((c) => renderContainer(t, c)),
    cpu: t.cpu,
    createdAt: epochSeconds(t.createdAt),
    desiredStatus: t.desiredStatus,
    enableExecuteCommand: t.enableExecuteCommand,
    ephemeralStorage: { sizeInGiB: 20 },
    executionStoppedAt: epochSeconds(t.executionStoppedAt),
    fargateEphemeralStorage: { sizeInGiB: 20 },
    group: t.group,
    healthStatus: taskHealth(t),
    lastStatus: t.lastStatus,
    launchType: t.launchType,
    memory: t.memory,
    overrides: t.overrides,
    platformFamily: 'Linux',
    platformVersion: '1.4.0',
    pullStartedAt: epochSeconds(t.pullStartedAt),
    pullStoppedAt: epochSeconds(t.pullStoppedAt),
    startedAt: epochSeconds(t.startedAt),
    startedBy: t.startedBy,
    stopCode: t.stopCode,
    stoppedAt: epochSeconds(t.stoppedAt),
    stoppedReason: t.stoppedReason,
    stoppingAt: epochSeconds(t.stoppingAt),
    // Without include: ['TAGS'], ECS answers with an empty list, not the task's tags.
    tags: includeTags ? t.tags : [],
    taskArn: t.taskArn,
    taskDefinitionArn: t.taskDefinitionArn,
    version: t.version,
  })
}

/** UNHEALTHY if an essential container is; HEALTHY once every one with a check is healthy. */
function taskHealth(t: TaskRecord): string {
  const checked = t.containers.filter((c) => c.essential && c.healthCheck !== undefined)
  if (checked.some((c) => c.healthStatus === 'UNHEALTHY')) return 'UNHEALTHY'
  if (checked.length > 0 && checked.every((c) => c.healthStatus === 'HEALTHY')) return 'HEALTHY'
  return 'UNKNOWN'
}

function renderAttachment(t: TaskRecord): Record<string, unknown> {
  // ECS fills in the interface's id and address only once it is attached.
  const details = [{ name: 'subnetId', value: t.eni.subnetId }]
  if (t.eni.status !== 'PRECREATED') {
    details.push(
      { name: 'networkInterfaceId', value: t.eni.id },
      { name: 'macAddress', value: t.eni.macAddress },
      { name: 'privateIPv4Address', value: '127.0.0.1' },
    )
  }
  return { id: t.eni.attachmentId, type: 'ElasticNetworkInterface', status: t.eni.status, details }
}

function renderContainer(t: TaskRecord, c: ContainerRecord): Record<string, unknown> {
  return prune({
    containerArn: c.containerArn,
    taskArn: t.taskArn,
    name: c.name,
    image: c.image,
    runtimeId: c.runtimeId,
    lastStatus: c.lastStatus,
    exitCode: c.exitCode,
    reason: c.reason,
    networkBindings: [],
    networkInterfaces:
      t.eni.status === 'PRECREATED'
        ? []
        : [{ attachmentId: t.eni.attachmentId, privateIpv4Address: '127.0.0.1' }],
    healthStatus: c.healthStatus,
    cpu: '0',
    memory: c.memory === undefined ? undefined : String(c.memory),
  })
}

function prune(o: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k]
  return o
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
