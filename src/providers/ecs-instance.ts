// Tasks as preview instances: the tags a preview's task carries, and the instance read back
// from a described task and its network interface.
import { createHash } from 'node:crypto'
import type { EcsTask, EniAddress } from '../aws/ecs-api.js'
import { LABELS, TOOL } from '../constants.js'
import type { ContainerState } from '../docker/engine.js'
import { ENGINE_NAMES, type EngineName } from '../engines.js'
import { EMULATOR_CONTAINER } from './ecs-task-definition.js'
import type { InstanceStatus, ListFilter, PreviewInstance, PreviewSpec } from './provider.js'

/** RunTask's startedBy for every preview task; ListTasks filters on it. */
export const STARTED_BY = 'ephemera'
export const PORT_TAG = 'ephemera.port'
const ROLE_PREVIEW = 'preview'

/** The same set the Docker host puts in labels, plus the port the emulator listens on. */
export function taskTags(spec: PreviewSpec, port: number): Record<string, string> {
  return {
    [LABELS.tool]: TOOL,
    [LABELS.role]: ROLE_PREVIEW,
    [LABELS.repository]: spec.key.repository,
    [LABELS.pr]: String(spec.key.pr),
    [LABELS.name]: spec.key.name,
    [LABELS.sha]: spec.sha,
    [LABELS.runId]: spec.runId,
    [LABELS.expiresAt]: spec.expiresAt.toISOString(),
    [LABELS.configHash]: spec.configHash,
    [LABELS.engine]: spec.engine.name,
    [PORT_TAG]: String(port),
  }
}

export function matchesFilter(task: EcsTask, filter: ListFilter): boolean {
  const tags = task.tags
  return (
    tags[LABELS.tool] === TOOL &&
    tags[LABELS.role] === ROLE_PREVIEW &&
    tags[LABELS.repository] === filter.repository &&
    (filter.pr === undefined || tags[LABELS.pr] === String(filter.pr)) &&
    (filter.name === undefined || tags[LABELS.name] === filter.name)
  )
}

/** The address people and the runner use: public when the task has one, else private. */
export function hostOf(task: EcsTask, address: EniAddress | undefined): string | undefined {
  return address?.publicIp ?? address?.privateIp ?? task.privateIp
}

export function instanceOf(task: EcsTask, address: EniAddress | undefined): PreviewInstance {
  const tags = task.tags
  const port = Number(tags[PORT_TAG])
  const host = hostOf(task, address)
  const url = host && port > 0 ? `http://${host}:${port}` : ''
  const engine = tags[LABELS.engine] ?? ''
  const status = statusOf(task)
  return {
    id: task.id,
    key: {
      repository: tags[LABELS.repository] ?? '',
      pr: Number(tags[LABELS.pr] ?? 0),
      name: tags[LABELS.name] ?? '',
    },
    engine: (ENGINE_NAMES as readonly string[]).includes(engine)
      ? (engine as EngineName)
      : 'localstack',
    sha: tags[LABELS.sha] ?? '',
    runId: tags[LABELS.runId] ?? '',
    expiresAt: new Date(tags[LABELS.expiresAt] ?? 0),
    configHash: tags[LABELS.configHash] ?? '',
    status,
    url: status === 'stopped' ? '' : url,
    endpoint: status === 'stopped' ? '' : url,
    ...(status === 'stopped' || status === 'stopping' ? { stoppedReason: describeStop(task) } : {}),
  }
}

export function statusOf(task: EcsTask): InstanceStatus {
  if (task.lastStatus === 'STOPPED') return 'stopped'
  if (task.desiredStatus === 'STOPPED') return 'stopping'
  if (['DEACTIVATING', 'STOPPING', 'DEPROVISIONING'].includes(task.lastStatus)) return 'stopping'
  if (task.lastStatus === 'RUNNING') return 'running'
  return 'starting'
}

/** Why a task stopped and how each container ended, in one line. */
export function describeStop(task: EcsTask): string {
  const why = task.stoppedReason ?? 'no reason given'
  const containers = task.containers.map((c) => {
    if (c.exitCode !== undefined) {
      return `${c.name} exited with code ${c.exitCode}${c.reason ? ` (${c.reason})` : ''}`
    }
    return `${c.name} ${c.reason ? `did not run: ${c.reason}` : `is ${c.lastStatus.toLowerCase()}`}`
  })
  const code = task.stopCode ? ` (${task.stopCode})` : ''
  return `${why}${code}${containers.length > 0 ? `; ${containers.join(', ')}` : ''}`
}

/**
 * RunTask's client token for a preview. Two runs that launch the same preview at once send the
 * same token: ECS starts one task and answers the other with a ConflictException naming it.
 * Once that task has stopped, the next launch moves to a token derived from it, which every run
 * derives alike.
 */
export function firstClientToken(cluster: string, spec: PreviewSpec): string {
  return token([cluster, spec.key.repository, spec.key.pr, spec.key.name, spec.configHash])
}

export function nextClientToken(previous: string, taskArns: string[]): string {
  return token([previous, [...taskArns].sort()])
}

function token(parts: unknown[]): string {
  // Up to 64 characters are allowed.
  return `ephemera-${createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 40)}`
}

/** The task in the shape readiness waiting checks between probes: running or not. */
export function containerStateOf(task: EcsTask): ContainerState {
  const emulator = task.containers.find((c) => c.name === EMULATOR_CONTAINER)
  return {
    id: task.id,
    name: EMULATOR_CONTAINER,
    running: statusOf(task) === 'running',
    status: task.lastStatus.toLowerCase(),
    exitCode: emulator?.exitCode ?? 0,
    oomKilled: false,
    error: task.stoppedReason ?? '',
    labels: task.tags,
  }
}
