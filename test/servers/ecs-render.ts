// The Task shape ECS answers RunTask, DescribeTasks and StopTask with, from a TaskRecord.
import { type ContainerRecord, epochSeconds, type TaskRecord } from './ecs-model.js'

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
