import * as core from '@actions/core'
import { resolveDockerEndpoint } from '../docker/engine.js'
import { ENGINE_NAMES, ENGINES, type EngineProfile } from '../engines.js'
import type { EcsLaunchSettings } from '../providers/ecs-task-definition.js'
import { checkTemplate } from '../providers/template.js'
import { InputError } from '../util/errors.js'
import {
  parseConfiguration,
  readBoolean,
  readChoice,
  readEngineToken,
  readPort,
  readRequired,
  readWholeNumber,
  splitLines,
  splitList,
} from './parse.js'

export interface DockerProviderInputs {
  dockerHost: string
  network: 'bridge' | 'host'
  portRange: { from: number; to: number }
  urlTemplate: string
  /** Where the runner reaches the Docker host's published ports. */
  host: string
  /** What {host} means in url-template and labels. */
  publicHost: string
  labels: Record<string, string>
}

/** Where the ECS provider finds ECS and EC2; preview and finish share these. */
export interface EcsConnectionInputs {
  region: string
  cluster: string
  ecsEndpointUrl: string | undefined
  ec2EndpointUrl: string | undefined
}

export interface EcsProviderInputs extends EcsConnectionInputs {
  /** Only preview launches tasks. */
  launch?: EcsLaunchSettings
}

export interface PreviewInputs {
  provider: 'docker' | 'ecs'
  name: string
  engine: EngineProfile
  image: string
  customImage: boolean
  authToken: string
  configuration: Record<string, string>
  lifetimeMinutes: number
  waitTimeoutSeconds: number
  deploy: string
  prNumber: number | undefined
  githubToken: string
  comment: boolean
  deployment: boolean
  docker: DockerProviderInputs
  /** Set when provider is ecs. */
  ecs: EcsProviderInputs | undefined
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/

/** Reads and checks every input of the preview action. */
export function readPreviewInputs(env: NodeJS.ProcessEnv = process.env): PreviewInputs {
  const githubToken = core.getInput('github-token')
  if (githubToken !== '') core.setSecret(githubToken)
  const engine = ENGINES[readChoice('engine', ENGINE_NAMES)]
  const imageInput = core.getInput('image')
  const authToken = readEngineToken(engine, env)
  const name = readRequired('name')
  if (!NAME.test(name)) {
    throw new InputError(
      `Input 'name' got '${name}'; use up to 40 letters, digits, '.', '_' or '-', starting with a letter or digit.`,
    )
  }
  const provider = readChoice('provider', ['docker', 'ecs'] as const)
  const inputs: PreviewInputs = {
    provider,
    name,
    engine,
    image: imageInput || engine.image,
    customImage: imageInput !== '',
    authToken: engine.tokenEnv ? authToken : '',
    configuration: parseConfiguration('configuration', core.getInput('configuration')),
    lifetimeMinutes: readMinutes('lifetime'),
    waitTimeoutSeconds: readWholeNumber('wait-timeout', 1, 3600, 'seconds'),
    deploy: core.getInput('deploy'),
    prNumber:
      core.getInput('pr-number') === ''
        ? undefined
        : readWholeNumber('pr-number', 1, 1e9, 'numbers'),
    githubToken,
    comment: readBoolean('comment'),
    deployment: readBoolean('deployment'),
    docker: readDockerProviderInputs(env),
    ecs:
      provider === 'ecs'
        ? { ...readEcsConnectionInputs(env), launch: readEcsLaunchInputs() }
        : undefined,
  }
  if (engine.tokenRequired && inputs.authToken === '' && !inputs.customImage) {
    throw new InputError(
      `${engine.name} needs an auth token: set input 'auth-token' (for example \${{ secrets.${engine.tokenEnv} }}) or the ${engine.tokenEnv} environment variable; engines floci, ministack, moto and lite need none.`,
    )
  }
  return inputs
}

/** The Docker host provider's inputs, shared by preview and finish. */
export function readDockerProviderInputs(env: NodeJS.ProcessEnv): DockerProviderInputs {
  const dockerHost = core.getInput('docker-host') || env.DOCKER_HOST || ''
  let host = '127.0.0.1'
  try {
    const endpoint = resolveDockerEndpoint({ DOCKER_HOST: dockerHost })
    if (!endpoint.socketPath) host = new URL(endpoint.url.replace(/^tcp:/, 'http:')).hostname
  } catch (error) {
    throw new InputError(`Input 'docker-host': ${(error as Error).message}`)
  }
  const urlTemplate = readRequired('url-template')
  checkTemplate('url-template', urlTemplate)
  const labels: Record<string, string> = {}
  for (const line of splitLines(core.getInput('labels'))) {
    const eq = line.indexOf('=')
    if (eq <= 0) throw new InputError(`Input 'labels' has a line '${line}' that is not KEY=VALUE.`)
    const value = line.slice(eq + 1)
    checkTemplate('labels', value)
    labels[line.slice(0, eq).trim()] = value.trim()
  }
  return {
    dockerHost,
    network: readChoice('network', ['bridge', 'host'] as const),
    portRange: readPortRange('port-range'),
    urlTemplate,
    host,
    publicHost: core.getInput('public-host') || host,
    labels,
  }
}

/** Minutes, fractions allowed (0.5 is 30 s), up to a week. */
function readMinutes(name: string): number {
  const raw = readRequired(name)
  const minutes = Number(raw)
  if (!/^\d+(\.\d+)?$/.test(raw) || minutes <= 0 || minutes > 7 * 24 * 60) {
    throw new InputError(
      `Input '${name}' expects minutes above 0 and at most 10080 (a week), got '${raw}'.`,
    )
  }
  return minutes
}

function readPortRange(name: string): { from: number; to: number } {
  const raw = readRequired(name)
  const match = /^(\d+)-(\d+)$/.exec(raw)
  const from = Number(match?.[1])
  const to = Number(match?.[2])
  if (!match || from < 1 || to > 65535 || from > to) {
    throw new InputError(
      `Input '${name}' got '${raw}'; expected FROM-TO with 1 <= FROM <= TO <= 65535, for example 4600-4699.`,
    )
  }
  return { from, to }
}

const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d+$/

/** Region, cluster and endpoints of the ECS provider, shared by preview and finish. */
export function readEcsConnectionInputs(env: NodeJS.ProcessEnv): EcsConnectionInputs {
  const region = core.getInput('region') || env.AWS_REGION || env.AWS_DEFAULT_REGION || ''
  if (region === '') {
    throw new InputError(
      "Input 'region' is empty and neither AWS_REGION nor AWS_DEFAULT_REGION is set; set 'region' (for example us-east-1) or run aws-actions/configure-aws-credentials before this step.",
    )
  }
  if (!REGION.test(region)) {
    throw new InputError(`Input 'region' got '${region}'; expected a region such as us-east-1.`)
  }
  return {
    region,
    cluster: readRequired('cluster'),
    ecsEndpointUrl: readEndpointUrl('ecs-endpoint-url'),
    ec2EndpointUrl: readEndpointUrl('ec2-endpoint-url'),
  }
}

/** How preview launches ECS tasks; inputs that only apply on demand are checked together. */
export function readEcsLaunchInputs(): EcsLaunchSettings {
  const subnets = readIds('subnets', /^subnet-[0-9a-f]{8,17}$/, 'subnet-0123456789abcdef0', 16)
  if (subnets.length === 0) {
    throw new InputError(
      "Input 'subnets' is empty; provider ecs needs at least one subnet ID (subnet-...) for the task's network interface.",
    )
  }
  const settings: EcsLaunchSettings = {
    subnets,
    securityGroups: readIds('security-groups', /^sg-[0-9a-f]{8,17}$/, 'sg-0123456789abcdef0', 5),
    assignPublicIp: readBoolean('assign-public-ip'),
    taskDefinition: core.getInput('task-definition'),
    cpu: core.getInput('cpu'),
    memory: core.getInput('memory'),
    executionRoleArn: readRoleArn('execution-role-arn'),
    taskRoleArn: readRoleArn('task-role-arn'),
    containerPort: core.getInput('container-port') === '' ? undefined : readPort('container-port'),
    timerImage: core.getInput('timer-image'),
    logGroup: core.getInput('log-group'),
  }
  if (settings.taskDefinition !== '') {
    const onDemandOnly = (
      ['execution-role-arn', 'task-role-arn', 'timer-image', 'log-group'] as const
    ).filter((name) => core.getInput(name) !== '')
    if (onDemandOnly.length > 0) {
      throw new InputError(
        `Input 'task-definition' cannot be combined with ${onDemandOnly.map((n) => `'${n}'`).join(', ')}: those shape the task definition registered when 'task-definition' is empty; put them in your task definition instead.`,
      )
    }
  } else {
    checkFargateSize(settings.cpu || '1024', settings.memory || '2048')
    if (settings.logGroup !== '' && settings.executionRoleArn === '') {
      throw new InputError(
        "Input 'log-group' needs 'execution-role-arn': Fargate writes to CloudWatch Logs with the task execution role.",
      )
    }
  }
  return settings
}

function readEndpointUrl(name: string): string | undefined {
  const raw = core.getInput(name)
  if (raw === '') return undefined
  let url: URL | undefined
  try {
    url = new URL(raw)
  } catch {
    url = undefined
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new InputError(
      `Input '${name}' got '${raw}'; expected an http:// or https:// URL, or nothing for AWS's own endpoint.`,
    )
  }
  return raw
}

function readIds(name: string, pattern: RegExp, example: string, max: number): string[] {
  const ids = splitList(core.getInput(name))
  const bad = ids.filter((id) => !pattern.test(id))
  if (bad.length > 0) {
    throw new InputError(
      `Input '${name}' has ${bad.map((b) => `'${b}'`).join(', ')}, which ${bad.length === 1 ? 'is not an ID' : 'are not IDs'} like ${example}.`,
    )
  }
  if (ids.length > max) {
    throw new InputError(`Input '${name}' lists ${ids.length} IDs; ECS takes at most ${max}.`)
  }
  return ids
}

function readRoleArn(name: string): string {
  const raw = core.getInput(name)
  if (raw !== '' && !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(raw)) {
    throw new InputError(
      `Input '${name}' got '${raw}'; expected an IAM role ARN such as arn:aws:iam::123456789012:role/ephemera-preview.`,
    )
  }
  return raw
}

/** Fargate's task sizes: CPU units and the memory (MiB) each allows. */
const FARGATE_MEMORY: Record<string, [from: number, to: number, step: number][]> = {
  '256': [
    [512, 512, 1],
    [1024, 2048, 1024],
  ],
  '512': [[1024, 4096, 1024]],
  '1024': [[2048, 8192, 1024]],
  '2048': [[4096, 16384, 1024]],
  '4096': [[8192, 30720, 1024]],
  '8192': [[16384, 61440, 4096]],
  '16384': [[32768, 122880, 8192]],
}

function checkFargateSize(cpu: string, memory: string): void {
  const ranges = FARGATE_MEMORY[cpu]
  if (!ranges) {
    throw new InputError(
      `Input 'cpu' got '${cpu}'; Fargate takes CPU units ${Object.keys(FARGATE_MEMORY).join(', ')}.`,
    )
  }
  const mib = Number(memory)
  const fits = ranges.some(
    ([from, to, step]) => mib >= from && mib <= to && (mib - from) % step === 0,
  )
  if (!/^\d+$/.test(memory) || !fits) {
    const allowed = ranges.map(([from, to, step]) =>
      from === to ? `${from}` : `${from}-${to} in steps of ${step}`,
    )
    throw new InputError(
      `Inputs 'cpu' ${cpu} and 'memory' '${memory}' are no Fargate size; with ${cpu} CPU units, memory (MiB) may be ${allowed.join(' or ')}.`,
    )
  }
}
