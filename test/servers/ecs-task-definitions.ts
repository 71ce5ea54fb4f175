// Task definitions for the loopback ECS server: RegisterTaskDefinition with the checks Fargate
// makes, revisions per family, lookup by family, family:revision or ARN, deregistration.
import {
  type Body,
  type ContainerDefinition,
  clientException,
  type HealthCheck,
  invalidParameter,
  type KeyValue,
  readTags,
  type Scope,
  type TaskDefinitionRecord,
  arn as toArn,
} from './ecs-model.js'

// Fargate's task sizes: CPU units to the memory values (MiB) allowed with them.
const FARGATE_SIZES: Record<string, number[]> = {
  '256': [512, 1024, 2048],
  '512': range(1024, 4096, 1024),
  '1024': range(2048, 8192, 1024),
  '2048': range(4096, 16384, 1024),
  '4096': range(8192, 30720, 1024),
  '8192': range(16384, 61440, 4096),
  '16384': range(32768, 122880, 8192),
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = []
  for (let v = from; v <= to; v += step) out.push(v)
  return out
}

export class TaskDefinitions {
  private readonly families = new Map<string, TaskDefinitionRecord[]>()

  constructor(private readonly scope: Scope) {}

  register(body: Body, now: number): TaskDefinitionRecord {
    const family = body.string('family') ?? ''
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(family)) {
      throw clientException(
        'Family must be 1-255 characters of letters (upper and lower case), numbers, hyphens and underscores.',
      )
    }
    const requires = body.strings('requiresCompatibilities') ?? []
    const networkMode = body.string('networkMode') ?? 'bridge'
    const cpu = normalizeCpu(body.string('cpu'))
    const memory = normalizeMemory(body.string('memory'))
    const items = body.objects('containerDefinitions') ?? []
    if (items.length === 0) throw clientException('Container definitions cannot be empty.')
    const containers = items.map((c) => readContainer(c, networkMode))
    checkContainers(containers)
    if (requires.includes('FARGATE')) {
      checkFargate(networkMode, cpu, memory, containers, body.string('executionRoleArn'))
    }
    const tags = readTags(body.objects('tags'))

    const revisions = this.families.get(family) ?? []
    const revision = (revisions.at(-1)?.revision ?? 0) + 1
    const arn = toArn(this.scope, `task-definition/${family}:${revision}`)
    const compatibilities = ['EC2']
    if (networkMode === 'awsvpc' && fargateSizeFits(cpu, memory)) compatibilities.push('FARGATE')
    const wire: Record<string, unknown> = {
      ...body.raw,
      taskDefinitionArn: arn,
      containerDefinitions: containers.map((c) => c.wire),
      family,
      networkMode,
      revision,
      volumes: body.raw.volumes ?? [],
      requiresAttributes: requiredAttributes(networkMode, containers),
      placementConstraints: body.raw.placementConstraints ?? [],
      compatibilities,
      registeredAt: now / 1000,
      registeredBy: `arn:aws:iam::${this.scope.accountId}:root`,
    }
    if (cpu !== undefined) wire.cpu = cpu
    if (memory !== undefined) wire.memory = memory
    delete wire.tags
    const record: TaskDefinitionRecord = {
      arn,
      family,
      revision,
      status: 'ACTIVE',
      networkMode,
      compatibilities,
      cpu,
      memory,
      containers,
      tags,
      registeredAt: now,
      wire,
    }
    revisions.push(record)
    this.families.set(family, revisions)
    return record
  }

  /**
   * Finds a task definition by ARN, family:revision or family; a bare family names its latest
   * ACTIVE revision.
   */
  find(ref: string): TaskDefinitionRecord | undefined {
    const prefix = toArn(this.scope, 'task-definition/')
    const name = ref.startsWith(prefix) ? ref.slice(prefix.length) : ref
    if (name.startsWith('arn:')) return undefined
    const [family = '', revision] = name.split(':')
    const revisions = this.families.get(family) ?? []
    if (revision === undefined) return revisions.filter((r) => r.status === 'ACTIVE').at(-1)
    return revisions.find((r) => String(r.revision) === revision)
  }

  deregister(ref: string, now: number): TaskDefinitionRecord {
    const name = ref.split('/').at(-1) ?? ''
    if (!/:\d+$/.test(name)) {
      throw clientException('Revision must be specified: use family:revision or the full ARN.')
    }
    const record = this.find(ref)
    if (!record) throw clientException('The specified task definition does not exist.')
    if (record.status === 'ACTIVE') {
      record.status = 'INACTIVE'
      record.deregisteredAt = now
    }
    return record
  }

  /** Every revision, oldest family first, then by revision. */
  all(): TaskDefinitionRecord[] {
    return [...this.families.values()].flat()
  }
}

/** The TaskDefinition shape of DescribeTaskDefinition and friends. */
export function renderTaskDefinition(td: TaskDefinitionRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { ...td.wire, status: td.status }
  if (td.deregisteredAt !== undefined) out.deregisteredAt = td.deregisteredAt / 1000
  return out
}

function readContainer(c: Body, networkMode: string): ContainerDefinition {
  const name = c.string('name') ?? ''
  const image = c.string('image') ?? ''
  if (name === '') throw clientException('Container.name should not be null or empty.')
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
    throw clientException(
      `Container name '${name}' is invalid: up to 255 letters (upper and lower case), numbers, hyphens and underscores are allowed.`,
    )
  }
  if (image === '') throw clientException('Container.image should not be null or empty.')
  const environment: KeyValue[] = (c.objects('environment') ?? []).map((e) => ({
    name: e.string('name') ?? '',
    value: e.string('value') ?? '',
  }))
  const portMappings = (c.objects('portMappings') ?? []).map((p) => {
    const containerPort = p.number('containerPort')
    const hostPort = p.number('hostPort')
    if (networkMode === 'awsvpc' && hostPort !== undefined && hostPort !== containerPort) {
      throw clientException(
        'When networkMode=awsvpc, the host ports and container ports in port mappings must match.',
      )
    }
    const out: Record<string, unknown> = { ...p.raw, protocol: p.string('protocol') ?? 'tcp' }
    if (containerPort !== undefined && networkMode === 'awsvpc') out.hostPort = containerPort
    return out
  })
  const essential = c.boolean('essential') ?? true
  const stopTimeout = c.number('stopTimeout')
  if (stopTimeout !== undefined && (stopTimeout < 2 || stopTimeout > 120)) {
    throw clientException('Container.stopTimeout must be between 2 and 120 seconds.')
  }
  const healthCheck = readHealthCheck(c.object('healthCheck'))
  const wire: Record<string, unknown> = {
    cpu: 0,
    ...c.raw,
    name,
    image,
    essential,
    portMappings,
    environment,
    mountPoints: c.raw.mountPoints ?? [],
    volumesFrom: c.raw.volumesFrom ?? [],
    systemControls: c.raw.systemControls ?? [],
  }
  if (healthCheck) wire.healthCheck = healthCheck
  return {
    name,
    image,
    essential,
    environment,
    command: c.strings('command'),
    entryPoint: c.strings('entryPoint'),
    stopTimeout,
    memory: c.number('memory'),
    healthCheck,
    workingDirectory: c.string('workingDirectory'),
    user: c.string('user'),
    wire,
  }
}

/** ECS's health check limits and defaults, in seconds. */
function readHealthCheck(h: Body | undefined): HealthCheck | undefined {
  if (!h) return undefined
  const command = h.strings('command') ?? []
  if (command.length < 2 || (command[0] !== 'CMD' && command[0] !== 'CMD-SHELL')) {
    throw clientException(
      "HealthCheck.command must start with 'CMD' or 'CMD-SHELL' followed by the command to run.",
    )
  }
  const seconds = (name: string, fallback: number, min: number, max: number): number => {
    const value = h.number(name) ?? fallback
    if (!Number.isInteger(value) || value < min || value > max) {
      throw clientException(`HealthCheck.${name} must be between ${min} and ${max}.`)
    }
    return value
  }
  return {
    command,
    interval: seconds('interval', 30, 5, 300),
    timeout: seconds('timeout', 5, 2, 120),
    retries: seconds('retries', 3, 1, 10),
    startPeriod: seconds('startPeriod', 0, 0, 300),
  }
}

function checkContainers(containers: ContainerDefinition[]): void {
  const names = new Set<string>()
  for (const c of containers) {
    if (names.has(c.name)) throw clientException(`Duplicate container name '${c.name}'.`)
    names.add(c.name)
  }
  if (!containers.some((c) => c.essential)) {
    throw clientException('A task definition must have at least one essential container.')
  }
}

function checkFargate(
  networkMode: string,
  cpu: string | undefined,
  memory: string | undefined,
  containers: ContainerDefinition[],
  executionRoleArn: string | undefined,
): void {
  if (networkMode !== 'awsvpc')
    throw clientException("Fargate only supports network mode 'awsvpc'.")
  if (cpu === undefined)
    throw clientException("Fargate requires that 'cpu' be defined at the task level.")
  if (memory === undefined) {
    throw clientException("Fargate requires that 'memory' be defined at the task level.")
  }
  if (!fargateSizeFits(cpu, memory)) {
    throw clientException(
      `No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory.`,
    )
  }
  const awslogs = containers.some((c) => logDriver(c) === 'awslogs')
  if (awslogs && !executionRoleArn) {
    throw clientException(
      'Fargate requires task definition to have execution role ARN to support log driver awslogs.',
    )
  }
}

function fargateSizeFits(cpu: string | undefined, memory: string | undefined): boolean {
  if (cpu === undefined || memory === undefined) return false
  return FARGATE_SIZES[cpu]?.includes(Number(memory)) ?? false
}

function logDriver(c: ContainerDefinition): unknown {
  const config = c.wire.logConfiguration
  return typeof config === 'object' && config !== null
    ? (config as Record<string, unknown>).logDriver
    : undefined
}

function requiredAttributes(
  networkMode: string,
  containers: ContainerDefinition[],
): Array<{ name: string }> {
  const names = ['com.amazonaws.ecs.capability.docker-remote-api.1.18']
  if (networkMode === 'awsvpc') names.push('ecs.capability.task-eni')
  if (containers.some((c) => logDriver(c) === 'awslogs')) {
    names.push(
      'ecs.capability.execution-role-awslogs',
      'com.amazonaws.ecs.capability.logging-driver.awslogs',
      'com.amazonaws.ecs.capability.docker-remote-api.1.19',
    )
  }
  return names.map((name) => ({ name }))
}

/** '1 vCPU' and '0.25 vcpu' become CPU units ('1024', '256'), as ECS stores them. */
function normalizeCpu(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined
  const vcpu = /^\s*(\d+(?:\.\d+)?)\s*vcpu\s*$/i.exec(raw)
  if (vcpu) return String(Math.round(Number(vcpu[1]) * 1024))
  if (/^\d+$/.test(raw.trim())) return raw.trim()
  throw invalidParameter(`Invalid 'cpu' setting for task: '${raw}'.`)
}

/** '1 GB' and '0.5GB' become MiB ('1024', '512'), as ECS stores them. */
function normalizeMemory(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined
  const gb = /^\s*(\d+(?:\.\d+)?)\s*gb\s*$/i.exec(raw)
  if (gb) return String(Math.round(Number(gb[1]) * 1024))
  if (/^\d+$/.test(raw.trim())) return raw.trim()
  throw invalidParameter(`Invalid 'memory' setting for task: '${raw}'.`)
}
