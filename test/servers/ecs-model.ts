// Shared pieces of the loopback ECS server: the records it keeps, AWS-style errors, ARNs and
// readers for the JSON bodies the SDK sends.
import { randomBytes, randomUUID } from 'node:crypto'

/** An ECS tag: ECS spells its keys in lower case, unlike most AWS APIs. */
export interface Tag {
  key: string
  value: string
}

export interface KeyValue {
  name: string
  value: string
}

/** A container health check in ECS's terms: seconds, defaults filled in. */
export interface HealthCheck {
  command: string[]
  interval: number
  timeout: number
  retries: number
  startPeriod: number
}

export type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN'

/** A container definition as the server keeps it, defaults filled in. */
export interface ContainerDefinition {
  name: string
  image: string
  essential: boolean
  environment: KeyValue[]
  command?: string[]
  entryPoint?: string[]
  stopTimeout?: number
  memory?: number
  healthCheck?: HealthCheck
  workingDirectory?: string
  user?: string
  /** Every field as registered, defaults filled in, for DescribeTaskDefinition. */
  wire: Record<string, unknown>
}

export interface TaskDefinitionRecord {
  arn: string
  family: string
  revision: number
  status: 'ACTIVE' | 'INACTIVE'
  networkMode: string
  compatibilities: string[]
  cpu?: string
  memory?: string
  containers: ContainerDefinition[]
  tags: Tag[]
  registeredAt: number
  deregisteredAt?: number
  /** The TaskDefinition shape DescribeTaskDefinition answers with, without status fields. */
  wire: Record<string, unknown>
}

export type TaskStatus =
  | 'PROVISIONING'
  | 'PENDING'
  | 'RUNNING'
  | 'STOPPING'
  | 'DEPROVISIONING'
  | 'STOPPED'

export interface ContainerRecord {
  name: string
  containerArn: string
  image: string
  essential: boolean
  /** The container's environment after overrides, in definition order. */
  environment: KeyValue[]
  command?: string[]
  entryPoint?: string[]
  stopTimeout: number
  memory?: number
  healthCheck?: HealthCheck
  workingDirectory?: string
  user?: string
  /** From the container's health check; UNKNOWN without one. */
  healthStatus: HealthStatus
  lastStatus: 'PENDING' | 'RUNNING' | 'STOPPED'
  /** The Docker container id once the container was created. */
  runtimeId?: string
  exitCode?: number
  reason?: string
}

export interface NetworkInterfaceRecord {
  id: string
  attachmentId: string
  macAddress: string
  subnetId: string
  securityGroups: string[]
  assignPublicIp: boolean
  /** The attachment's status: PRECREATED until the task leaves PROVISIONING. */
  status: 'PRECREATED' | 'ATTACHED' | 'DETACHED' | 'DELETED'
}

/** A task as the server keeps it; `tasks()` hands out copies of these. */
export interface TaskRecord {
  taskArn: string
  taskId: string
  clusterArn: string
  clusterName: string
  taskDefinitionArn: string
  family: string
  launchType: string
  capacityProviderName?: string
  cpu?: string
  memory?: string
  group: string
  startedBy?: string
  lastStatus: TaskStatus
  desiredStatus: 'RUNNING' | 'STOPPED'
  stopCode?: 'TaskFailedToStart' | 'EssentialContainerExited' | 'UserInitiated'
  stoppedReason?: string
  /** Epoch milliseconds; rendered as epoch seconds. */
  createdAt: number
  connectivityAt?: number
  pullStartedAt?: number
  pullStoppedAt?: number
  startedAt?: number
  stoppingAt?: number
  executionStoppedAt?: number
  stoppedAt?: number
  version: number
  enableExecuteCommand: boolean
  tags: Tag[]
  overrides: Record<string, unknown>
  eni: NetworkInterfaceRecord
  containers: ContainerRecord[]
}

/** An error answered in the service's own error shape. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

export const clusterNotFound = (): AwsError =>
  new AwsError('ClusterNotFoundException', 'Cluster not found.')

export const invalidParameter = (message: string): AwsError =>
  new AwsError('InvalidParameterException', message)

export const clientException = (message: string): AwsError =>
  new AwsError('ClientException', message)

/** Where the server lives: region and account for every ARN it makes. */
export interface Scope {
  region: string
  accountId: string
}

export function arn(scope: Scope, resource: string): string {
  return `arn:aws:ecs:${scope.region}:${scope.accountId}:${resource}`
}

/** ECS task ids: 32 lower-case hex digits. */
export function newTaskId(): string {
  return randomBytes(16).toString('hex')
}

export function newEniId(): string {
  return `eni-${randomBytes(9).toString('hex').slice(0, 17)}`
}

export function newMacAddress(): string {
  // 02: a locally administered unicast address, as AWS hands out.
  const bytes = [0x02, ...randomBytes(5)]
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':')
}

export const newUuid = (): string => randomUUID()

/** Epoch seconds with milliseconds, the way AWS JSON protocols send timestamps. */
export function epochSeconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000
}

/** Reads the JSON body's members with the checks ECS makes on types. */
export class Body {
  constructor(readonly raw: Record<string, unknown>) {}

  static parse(text: string): Body {
    let value: unknown
    try {
      value = text === '' ? {} : JSON.parse(text)
    } catch {
      throw new AwsError(
        'SerializationException',
        'Start of structure or map found where not expected.',
      )
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new AwsError(
        'SerializationException',
        'Start of structure or map found where not expected.',
      )
    }
    return new Body(value as Record<string, unknown>)
  }

  string(name: string): string | undefined {
    const v = this.raw[name]
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'string') throw serialization(name)
    return v
  }

  requiredString(name: string): string {
    const v = this.string(name)
    if (v === undefined || v === '') throw invalidParameter(`${name} can not be blank.`)
    return v
  }

  number(name: string): number | undefined {
    const v = this.raw[name]
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'number') throw serialization(name)
    return v
  }

  boolean(name: string): boolean | undefined {
    const v = this.raw[name]
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'boolean') throw serialization(name)
    return v
  }

  strings(name: string): string[] | undefined {
    return readStrings(this.raw[name], name)
  }

  object(name: string): Body | undefined {
    const v = this.raw[name]
    if (v === undefined || v === null) return undefined
    if (typeof v !== 'object' || Array.isArray(v)) throw serialization(name)
    return new Body(v as Record<string, unknown>)
  }

  objects(name: string): Body[] | undefined {
    const v = this.raw[name]
    if (v === undefined || v === null) return undefined
    if (!Array.isArray(v)) throw serialization(name)
    return v.map((item) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item))
        throw serialization(name)
      return new Body(item as Record<string, unknown>)
    })
  }
}

function readStrings(v: unknown, name: string): string[] | undefined {
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw serialization(name)
  return v as string[]
}

function serialization(name: string): AwsError {
  return new AwsError('SerializationException', `Unexpected value type for '${name}'.`)
}

/** Tags as ECS takes them: key 1-128 characters, value up to 256, at most 50, no aws: keys. */
export function readTags(items: Body[] | undefined, allowReserved = false): Tag[] {
  const tags = (items ?? []).map((t) => ({
    key: t.string('key') ?? '',
    value: t.string('value') ?? '',
  }))
  if (tags.length > 50) throw invalidParameter('The number of tags exceeds the limit of 50.')
  for (const t of tags) {
    if (t.key.length < 1 || t.key.length > 128) {
      throw invalidParameter(`Tag key '${t.key}' must be 1 to 128 characters long.`)
    }
    if (t.value.length > 256) {
      throw invalidParameter(`Tag value for key '${t.key}' must be at most 256 characters long.`)
    }
    if (!allowReserved && t.key.toLowerCase().startsWith('aws:')) {
      throw invalidParameter(`Tag keys beginning with 'aws:' are reserved: '${t.key}'.`)
    }
  }
  return tags
}

/** Adds or replaces tags by key, keeping the first-seen order. */
export function mergeTags(into: Tag[], tags: Tag[]): Tag[] {
  const out = [...into]
  for (const t of tags) {
    const at = out.findIndex((o) => o.key === t.key)
    if (at === -1) out.push({ ...t })
    else out[at] = { ...t }
  }
  return out
}
