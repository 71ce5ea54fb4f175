import { createHash } from 'node:crypto'
import type { ContainerDefinition, TaskDefinitionInput } from '../aws/ecs-api.js'
import { LABELS, TOOL } from '../constants.js'
import type { EngineProfile } from '../engines.js'
import { InputError } from '../util/errors.js'

/** How the ECS provider launches tasks; the preview action's ECS inputs. */
export interface EcsLaunchSettings {
  subnets: string[]
  securityGroups: string[]
  assignPublicIp: boolean
  /** Family, family:revision or ARN to run as given; empty: one registered on demand. */
  taskDefinition: string
  /** Task size; empty: 1024 and 2048 on demand, the task definition's own otherwise. */
  cpu: string
  memory: string
  executionRoleArn: string
  taskRoleArn: string
  /** Port the emulator listens on in the task; undefined: the task definition's or engine's. */
  containerPort: number | undefined
  /** Image of the timer container; empty: picked by engine (see pickTimer). */
  timerImage: string
  /** CloudWatch Logs group for task definitions registered on demand; empty: no logs kept. */
  logGroup: string
}

export const EMULATOR_CONTAINER = 'emulator'
export const TIMER_CONTAINER = 'timer'
export const DEFAULT_CPU = '1024'
export const DEFAULT_MEMORY = '2048'
/** Small, public, and has sh, date and sleep; pulled through the task's own network. */
export const DEFAULT_TIMER_IMAGE = 'public.ecr.aws/docker/library/busybox:stable'
/** The timer's deadline, set per task at RunTask (container overrides). */
export const EXPIRES_ENV = 'EPHEMERA_EXPIRES_AT'
export const EXPIRES_EPOCH_ENV = 'EPHEMERA_EXPIRES_EPOCH'

/**
 * The timer for images with Node (the lite image): it sleeps until the deadline and exits. The
 * timer is an essential container, and ECS stops a task when an essential container exits, so
 * the task ends at its expiry without any workflow running. A deadline it cannot read stops the
 * task at once rather than leaving it running.
 */
export const TIMER_NODE_PROGRAM = `
const at = Date.parse(process.env.${EXPIRES_ENV} || '');
process.on('SIGTERM', () => process.exit(0));
if (Number.isNaN(at)) { console.log('${EXPIRES_ENV} is not a time; stopping the task now'); process.exit(2); }
console.log('stopping the task at ' + new Date(at).toISOString());
// setTimeout holds at most 2^31-1 ms (24.8 days); wake up in steps for longer lifetimes.
function wait() {
  const left = at - Date.now();
  if (left <= 0) { console.log('expired'); process.exit(0); }
  setTimeout(wait, Math.min(left, 2147483647));
}
wait();
`

/** The same timer for any image with a POSIX sh, date and sleep (busybox, alpine). */
export const TIMER_SHELL_PROGRAM = [
  `left=$(( \${${EXPIRES_EPOCH_ENV}:-0} - $(date +%s) ))`,
  `echo "stopping the task in \${left} s, at \${${EXPIRES_ENV}}"`,
  "trap 'exit 0' TERM",
  'if [ "$left" -gt 0 ]; then sleep "$left" & wait $!; fi',
  'echo expired',
].join('\n')

/** The timer's image and whether it runs the Node program (else the shell one). */
export function pickTimer(
  engine: EngineProfile,
  image: string,
  timerImage: string,
): { image: string; node: boolean } {
  // The lite image has Node at /usr/local/bin/node: using it for the timer needs no second
  // image, which matters in subnets that reach only the registry holding the emulator.
  const liteImage = engine.name === 'lite' ? image : undefined
  if (timerImage === '') {
    return liteImage
      ? { image: liteImage, node: true }
      : { image: DEFAULT_TIMER_IMAGE, node: false }
  }
  return { image: timerImage, node: timerImage === liteImage }
}

export function timerContainer(
  timer: { image: string; node: boolean },
  logs: ContainerDefinition['logs'],
): ContainerDefinition {
  return {
    name: TIMER_CONTAINER,
    image: timer.image,
    essential: true,
    ports: [],
    ...(timer.node
      ? { entryPoint: ['/usr/local/bin/node'], command: ['-e', TIMER_NODE_PROGRAM] }
      : { entryPoint: ['sh', '-c'], command: [TIMER_SHELL_PROGRAM] }),
    stopTimeout: 2,
    ...(logs ? { logs } : {}),
  }
}

/**
 * The task definition registered when 'task-definition' is empty: the emulator and the timer.
 * Its family name holds a hash of its content, so a family that exists already fits as it is.
 * Environment (configuration, token, deadline) goes in at RunTask, not in here.
 */
export function onDemandTaskDefinition(opts: {
  engine: EngineProfile
  image: string
  port: number
  settings: EcsLaunchSettings
  region: string
}): TaskDefinitionInput {
  const { settings } = opts
  const logs = settings.logGroup
    ? { group: settings.logGroup, region: opts.region, streamPrefix: 'ephemera' }
    : undefined
  const containers: ContainerDefinition[] = [
    {
      name: EMULATOR_CONTAINER,
      image: opts.image,
      essential: true,
      ports: [opts.port],
      stopTimeout: 10,
      ...(logs ? { logs } : {}),
    },
    timerContainer(pickTimer(opts.engine, opts.image, settings.timerImage), logs),
  ]
  const body = {
    cpu: settings.cpu || DEFAULT_CPU,
    memory: settings.memory || DEFAULT_MEMORY,
    ...(settings.executionRoleArn ? { executionRoleArn: settings.executionRoleArn } : {}),
    ...(settings.taskRoleArn ? { taskRoleArn: settings.taskRoleArn } : {}),
    containers,
  }
  const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 12)
  return {
    family: `ephemera-${opts.engine.name}-${hash}`,
    ...body,
    tags: { [LABELS.tool]: TOOL },
  }
}

/**
 * The emulator and timer containers of a task definition given in 'task-definition': the
 * emulator is the container named 'emulator', else the first essential one that is not the
 * timer; the timer must be there, or tasks would never stop by themselves.
 */
export function containersOf(
  ref: string,
  containers: ContainerDefinition[],
): { emulator: ContainerDefinition; timer: ContainerDefinition } {
  const timer = containers.find((c) => c.name === TIMER_CONTAINER && c.essential)
  const emulator =
    containers.find((c) => c.name === EMULATOR_CONTAINER) ??
    containers.find((c) => c.essential && c.name !== TIMER_CONTAINER)
  if (!timer) {
    throw new InputError(
      `Input 'task-definition' names '${ref}', which has no essential container named '${TIMER_CONTAINER}', so its tasks would never stop by themselves. Add one that exits at $${EXPIRES_EPOCH_ENV} (the README shows one), or leave 'task-definition' empty to have one registered.`,
    )
  }
  if (!emulator) {
    throw new InputError(
      `Input 'task-definition' names '${ref}', which has no container for the emulator besides '${TIMER_CONTAINER}'; name it '${EMULATOR_CONTAINER}'.`,
    )
  }
  return { emulator, timer }
}
