// Reading RunTask's request for the loopback ECS server: launch type or capacity providers,
// the awsvpc network (subnets and security groups must be known), container overrides, tags.
import {
  type Body,
  invalidParameter,
  type KeyValue,
  mergeTags,
  readTags,
  type Tag,
  type TaskDefinitionRecord,
} from './ecs-model.js'
import type { ClusterRecord, EcsState } from './ecs-state.js'

const FARGATE_PROVIDERS = ['FARGATE', 'FARGATE_SPOT']

export interface Launch {
  launchType: string
  capacityProviderName?: string
}

export interface Network {
  subnets: string[]
  securityGroups: string[]
  assignPublicIp: boolean
}

export interface ContainerOverride {
  name: string
  environment?: KeyValue[]
  command?: string[]
  raw: Record<string, unknown>
}

export function readLaunch(body: Body, td: TaskDefinitionRecord): Launch {
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

export function readNetwork(state: EcsState, body: Body, td: TaskDefinitionRecord): Network {
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

export function readOverrides(body: Body, td: TaskDefinitionRecord): ContainerOverride[] {
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

export function taskTags(body: Body, td: TaskDefinitionRecord, cluster: ClusterRecord): Tag[] {
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
