// Between the SDK's shapes and ours: tasks, task definitions, tags, and errors.
import type {
  ContainerDefinition as SdkContainerDefinition,
  TaskDefinition as SdkTaskDefinition,
  Task,
} from '@aws-sdk/client-ecs'
import { ActionError, errorMessage } from '../util/errors.js'
import {
  AwsCallError,
  type ContainerDefinition,
  type EcsTask,
  type TaskDefinitionInfo,
} from './ecs-api.js'
import { codeOf } from './retry.js'

function statusOf(error: unknown): number {
  const meta = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata
  return meta?.httpStatusCode ?? 0
}

/** An SDK failure as an AwsCallError; our own errors pass through. */
export function toAwsCallError(action: string, error: unknown): AwsCallError | ActionError {
  if (error instanceof ActionError || error instanceof AwsCallError) return error
  const attempts = (error as { $metadata?: { attempts?: number } } | null)?.$metadata?.attempts ?? 1
  const resourceIds = (error as { resourceIds?: unknown } | null)?.resourceIds
  return new AwsCallError(
    action,
    codeOf(error),
    errorMessage(error),
    statusOf(error),
    attempts,
    Array.isArray(resourceIds) ? resourceIds.filter((r) => typeof r === 'string') : [],
  )
}

export function toTagList(tags: Record<string, string>): Array<{ key: string; value: string }> {
  return Object.entries(tags).map(([key, value]) => ({ key, value }))
}

export function toSdkContainer(c: ContainerDefinition): SdkContainerDefinition {
  return {
    name: c.name,
    image: c.image,
    essential: c.essential,
    portMappings: c.ports.map((containerPort) => ({ containerPort, protocol: 'tcp' })),
    ...(c.entryPoint ? { entryPoint: c.entryPoint } : {}),
    ...(c.command ? { command: c.command } : {}),
    ...(c.stopTimeout ? { stopTimeout: c.stopTimeout } : {}),
    ...(c.logs
      ? {
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': c.logs.group,
              'awslogs-region': c.logs.region,
              'awslogs-stream-prefix': c.logs.streamPrefix,
            },
          },
        }
      : {}),
  }
}

export function toTaskDefinition(td: SdkTaskDefinition): TaskDefinitionInfo {
  return {
    arn: td.taskDefinitionArn ?? '',
    family: td.family ?? '',
    containers: (td.containerDefinitions ?? []).map((c) => {
      const options = c.logConfiguration?.options ?? {}
      const group = options['awslogs-group']
      return {
        name: c.name ?? '',
        image: c.image ?? '',
        essential: c.essential ?? true,
        ports: (c.portMappings ?? []).flatMap((p) => (p.containerPort ? [p.containerPort] : [])),
        ...(c.entryPoint ? { entryPoint: c.entryPoint } : {}),
        ...(c.command ? { command: c.command } : {}),
        ...(c.logConfiguration?.logDriver === 'awslogs' && group
          ? {
              logs: {
                group,
                region: options['awslogs-region'] ?? '',
                streamPrefix: options['awslogs-stream-prefix'] ?? '',
              },
            }
          : {}),
      }
    }),
  }
}

export function toTask(t: Task): EcsTask {
  const arn = t.taskArn ?? ''
  const eni = t.attachments?.find((a) => a.type === 'ElasticNetworkInterface')
  const detail = (name: string) => eni?.details?.find((d) => d.name === name)?.value
  const eniId = detail('networkInterfaceId')
  const privateIp = detail('privateIPv4Address')
  const subnetId = detail('subnetId')
  return {
    arn,
    id: arn.split('/').at(-1) ?? arn,
    taskDefinitionArn: t.taskDefinitionArn ?? '',
    lastStatus: t.lastStatus ?? 'UNKNOWN',
    desiredStatus: t.desiredStatus ?? 'UNKNOWN',
    ...(t.startedBy ? { startedBy: t.startedBy } : {}),
    tags: Object.fromEntries((t.tags ?? []).map((tag) => [tag.key ?? '', tag.value ?? ''])),
    ...(t.stopCode ? { stopCode: t.stopCode } : {}),
    ...(t.stoppedReason ? { stoppedReason: t.stoppedReason } : {}),
    containers: (t.containers ?? []).map((c) => ({
      name: c.name ?? '',
      lastStatus: c.lastStatus ?? 'UNKNOWN',
      ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
      ...(c.reason ? { reason: c.reason } : {}),
    })),
    ...(eniId ? { eniId } : {}),
    ...(privateIp ? { privateIp } : {}),
    ...(subnetId ? { subnetId } : {}),
  }
}
