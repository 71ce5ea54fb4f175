// What a preview task runs: the task definition given in 'task-definition' or one registered
// on demand, the RunTask request, and where its containers' output can be found.
import * as core from '@actions/core'
import type { ContainerDefinition, EcsApi, EcsTask, RunTaskInput } from '../aws/ecs-api.js'
import { type EngineProfile, emulatorEnv } from '../engines.js'
import { InputError } from '../util/errors.js'
import { STARTED_BY, taskTags } from './ecs-instance.js'
import {
  containersOf,
  type EcsLaunchSettings,
  EMULATOR_CONTAINER,
  EXPIRES_ENV,
  EXPIRES_EPOCH_ENV,
  onDemandTaskDefinition,
  TIMER_CONTAINER,
} from './ecs-task-definition.js'
import type { PreviewSpec } from './provider.js'

export interface ResolvedTaskDefinition {
  arn: string
  /** The port the emulator listens on in the task. */
  port: number
  /** Container names for the RunTask overrides. */
  emulator: string
  timer: string
}

/** The task definition to run: as given, or the on-demand one (registered when missing). */
export async function resolveTaskDefinition(
  api: EcsApi,
  spec: Pick<PreviewSpec, 'engine' | 'image'>,
  settings: EcsLaunchSettings,
): Promise<ResolvedTaskDefinition> {
  if (settings.taskDefinition !== '') {
    const ref = settings.taskDefinition
    const info = await api.describeTaskDefinition(ref)
    if (!info) {
      throw new InputError(
        `Input 'task-definition' names '${ref}', which ECS does not know in ${api.region}; give a family, family:revision or ARN of a registered task definition.`,
      )
    }
    const { emulator, timer } = containersOf(ref, info.containers)
    const port = settings.containerPort ?? emulator.ports[0] ?? spec.engine.containerPort
    checkPort(spec.engine, port)
    core.info(
      `Using task definition ${info.arn} as given: emulator container '${emulator.name}' on port ${port}, timer '${timer.name}'.`,
    )
    return { arn: info.arn, port, emulator: emulator.name, timer: timer.name }
  }
  const port = settings.containerPort ?? spec.engine.containerPort
  checkPort(spec.engine, port)
  const input = onDemandTaskDefinition({
    engine: spec.engine,
    image: spec.image,
    port,
    settings,
    region: api.region,
  })
  const resolved = { port, emulator: EMULATOR_CONTAINER, timer: TIMER_CONTAINER }
  const existing = await api.describeTaskDefinition(input.family)
  if (existing) {
    core.info(`Using task definition ${existing.arn}.`)
    return { arn: existing.arn, ...resolved }
  }
  const registered = await api.registerTaskDefinition(input)
  const timerImage = input.containers.find((c) => c.name === TIMER_CONTAINER)?.image
  core.info(
    `Registered task definition ${registered.arn}: ${spec.image} on port ${port} and a timer (${timerImage}), ${input.cpu} CPU units, ${input.memory} MiB.`,
  )
  return { arn: registered.arn, ...resolved }
}

/** RunTask's request for a preview, all but the client token. */
export function runTaskInput(
  spec: PreviewSpec,
  td: ResolvedTaskDefinition,
  settings: EcsLaunchSettings,
  cluster: string,
): Omit<RunTaskInput, 'clientToken'> {
  // TODO: the token travels as a container override, which ecs:DescribeTasks shows to anyone
  // with read access in the account; a Secrets Manager reference would need more IAM setup.
  const environment = emulatorEnv(spec.engine, {
    configuration: spec.configuration,
    authToken: spec.authToken,
    ...(td.port !== spec.engine.containerPort ? { listenPort: td.port } : {}),
  })
  return {
    cluster,
    taskDefinition: td.arn,
    subnets: settings.subnets,
    securityGroups: settings.securityGroups,
    assignPublicIp: settings.assignPublicIp,
    startedBy: STARTED_BY,
    tags: taskTags(spec, td.port),
    overrides: [
      { name: td.emulator, environment },
      {
        name: td.timer,
        environment: {
          [EXPIRES_ENV]: spec.expiresAt.toISOString(),
          [EXPIRES_EPOCH_ENV]: String(Math.ceil(spec.expiresAt.getTime() / 1000)),
        },
      },
    ],
    // A given task definition keeps its own size unless cpu or memory is set.
    ...(settings.taskDefinition && settings.cpu ? { cpu: settings.cpu } : {}),
    ...(settings.taskDefinition && settings.memory ? { memory: settings.memory } : {}),
  }
}

function checkPort(engine: EngineProfile, port: number): void {
  if (port === engine.containerPort || engine.listenEnv) return
  throw new InputError(
    `The emulator would listen on port ${port} (from 'container-port' or the task definition), but engine ${engine.name} always listens on ${engine.containerPort}; leave 'container-port' empty or map port ${engine.containerPort}.`,
  )
}

const definitions = new Map<string, Promise<ContainerDefinition[]>>()

/** Where the task's emulator output is: its awslogs stream, or a sentence saying there is none. */
export async function logLocation(api: EcsApi, task: EcsTask, cluster: string): Promise<string> {
  let containers = definitions.get(task.taskDefinitionArn)
  if (!containers) {
    containers = api
      .describeTaskDefinition(task.taskDefinitionArn)
      .then((info) => info?.containers ?? [])
    definitions.set(task.taskDefinitionArn, containers)
  }
  const all = await containers
  const emulator =
    all.find((c) => c.name === EMULATOR_CONTAINER) ??
    all.find((c) => c.essential && c.name !== TIMER_CONTAINER)
  // TODO: the log lines themselves are not fetched; that would take logs:GetLogEvents and a
  // CloudWatch Logs client in the bundle. The stream name is enough to open them.
  if (emulator?.logs) {
    const { group, region, streamPrefix } = emulator.logs
    return `The emulator's output is in CloudWatch Logs: group ${group}, stream ${streamPrefix}/${emulator.name}/${task.id} (region ${region || api.region}).`
  }
  return `Task ${task.id} has no log configuration, so ECS keeps none of its output; set 'log-group' (with 'execution-role-arn') to send it to CloudWatch Logs. The task: https://${api.region}.console.aws.amazon.com/ecs/v2/clusters/${cluster}/tasks/${task.id}`
}
