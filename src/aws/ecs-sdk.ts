import * as core from '@actions/core'
import { DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2'
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  type ECSClientConfig,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs'
import { ActionError, errorMessage } from '../util/errors.js'
import {
  AwsCallError,
  type EcsApi,
  type EcsTask,
  type EniAddress,
  type RunTaskInput,
  type RunTaskResult,
  type TaskDefinitionInfo,
  type TaskDefinitionInput,
} from './ecs-api.js'
import {
  toAwsCallError,
  toSdkContainer,
  toTagList,
  toTask,
  toTaskDefinition,
} from './ecs-sdk-shapes.js'
import { ACTION_KEY, LoggingRetryStrategy } from './retry.js'

export interface EcsApiConfig {
  region: string
  /** Only these decide where calls go; AWS_ENDPOINT_URL and the shared config file do not. */
  ecsEndpoint?: string
  ec2Endpoint?: string
  /** Attempts per call, the first included; throttling, 5xx and lost connections are retried. */
  maxAttempts: number
  /** First backoff step in ms (100 by default; throttling starts at five times it). */
  retryBaseMs?: number
  /** Where retry lines go; core.info by default. */
  log?: (line: string) => void
  /** Tests only: answers requests in place of the network. */
  requestHandler?: ECSClientConfig['requestHandler']
}

/** The EcsApi on the AWS SDK, with credentials from the default provider chain. */
export function createEcsApi(config: EcsApiConfig): EcsApi {
  return new SdkEcsApi(config)
}

class SdkEcsApi implements EcsApi {
  readonly region: string
  private readonly ecs: ECSClient
  private readonly ec2: EC2Client
  private credentialsChecked: Promise<void> | undefined

  constructor(config: EcsApiConfig) {
    this.region = config.region
    const retryStrategy = new LoggingRetryStrategy({
      maxAttempts: config.maxAttempts,
      baseMs: config.retryBaseMs ?? 100,
      maxMs: 20_000,
      log: config.log ?? ((line) => core.info(line)),
    })
    const common = {
      region: config.region,
      maxAttempts: config.maxAttempts,
      retryStrategy,
      // An earlier step may have exported AWS_ENDPOINT_URL for the emulator; it must not send
      // our ECS calls there. Only the explicit endpoint inputs count.
      ignoreConfiguredEndpointUrls: true,
      ...(config.requestHandler ? { requestHandler: config.requestHandler } : {}),
    }
    this.ecs = new ECSClient({
      ...common,
      ...(config.ecsEndpoint ? { endpoint: config.ecsEndpoint } : {}),
    })
    this.ec2 = new EC2Client({
      ...common,
      ...(config.ec2Endpoint ? { endpoint: config.ec2Endpoint } : {}),
      credentials: () => this.ecs.config.credentials(),
    })
    this.tagAttempts(this.ecs, 'ecs')
    this.tagAttempts(this.ec2, 'ec2')
  }

  async describeTaskDefinition(ref: string): Promise<TaskDefinitionInfo | undefined> {
    try {
      const out = await this.send('ecs:DescribeTaskDefinition', () =>
        this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: ref })),
      )
      return out.taskDefinition ? toTaskDefinition(out.taskDefinition) : undefined
    } catch (error) {
      // ECS says "Unable to describe task definition." for a family or revision it lacks.
      if (error instanceof AwsCallError && error.code === 'ClientException') {
        if (/unable to describe/i.test(error.awsMessage)) return undefined
      }
      throw error
    }
  }

  async registerTaskDefinition(input: TaskDefinitionInput): Promise<TaskDefinitionInfo> {
    const out = await this.send('ecs:RegisterTaskDefinition', () =>
      this.ecs.send(
        new RegisterTaskDefinitionCommand({
          family: input.family,
          requiresCompatibilities: ['FARGATE'],
          networkMode: 'awsvpc',
          cpu: input.cpu,
          memory: input.memory,
          executionRoleArn: input.executionRoleArn,
          taskRoleArn: input.taskRoleArn,
          containerDefinitions: input.containers.map(toSdkContainer),
          tags: toTagList(input.tags),
        }),
      ),
    )
    if (!out.taskDefinition) {
      throw new AwsCallError(
        'ecs:RegisterTaskDefinition',
        'EmptyAnswer',
        'no task definition',
        200,
        1,
      )
    }
    return toTaskDefinition(out.taskDefinition)
  }

  async runTask(input: RunTaskInput): Promise<RunTaskResult> {
    const out = await this.send('ecs:RunTask', () =>
      this.ecs.send(
        new RunTaskCommand({
          cluster: input.cluster,
          taskDefinition: input.taskDefinition,
          launchType: 'FARGATE',
          count: 1,
          startedBy: input.startedBy,
          clientToken: input.clientToken,
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: input.subnets,
              ...(input.securityGroups.length > 0 ? { securityGroups: input.securityGroups } : {}),
              assignPublicIp: input.assignPublicIp ? 'ENABLED' : 'DISABLED',
            },
          },
          overrides: {
            containerOverrides: input.overrides.map((o) => ({
              name: o.name,
              environment: Object.entries(o.environment).map(([name, value]) => ({ name, value })),
            })),
            ...(input.cpu ? { cpu: input.cpu } : {}),
            ...(input.memory ? { memory: input.memory } : {}),
          },
          tags: toTagList(input.tags),
        }),
      ),
    )
    return {
      tasks: (out.tasks ?? []).map(toTask),
      failures: (out.failures ?? []).map((f) => ({
        reason: f.reason ?? 'unknown',
        ...(f.detail ? { detail: f.detail } : {}),
      })),
    }
  }

  async describeTasks(cluster: string, tasks: string[]): Promise<EcsTask[]> {
    const found: EcsTask[] = []
    // DescribeTasks takes at most 100 tasks a call.
    for (let at = 0; at < tasks.length; at += 100) {
      const out = await this.send('ecs:DescribeTasks', () =>
        this.ecs.send(
          new DescribeTasksCommand({
            cluster,
            tasks: tasks.slice(at, at + 100),
            include: ['TAGS'],
          }),
        ),
      )
      found.push(...(out.tasks ?? []).map(toTask))
    }
    return found
  }

  async listTasks(cluster: string, startedBy: string): Promise<string[]> {
    const arns: string[] = []
    let nextToken: string | undefined
    do {
      const out = await this.send('ecs:ListTasks', () =>
        this.ecs.send(
          new ListTasksCommand({
            cluster,
            startedBy,
            desiredStatus: 'RUNNING',
            maxResults: 100,
            nextToken,
          }),
        ),
      )
      arns.push(...(out.taskArns ?? []))
      nextToken = out.nextToken
    } while (nextToken)
    return arns
  }

  async stopTask(cluster: string, task: string, reason: string): Promise<EcsTask | undefined> {
    try {
      const out = await this.send('ecs:StopTask', () =>
        this.ecs.send(new StopTaskCommand({ cluster, task, reason: reason.slice(0, 255) })),
      )
      return out.task ? toTask(out.task) : undefined
    } catch (error) {
      if (
        error instanceof AwsCallError &&
        error.code === 'InvalidParameterException' &&
        /task was not found/i.test(error.awsMessage)
      ) {
        return undefined
      }
      throw error
    }
  }

  async describeAddresses(eniIds: string[]): Promise<Map<string, EniAddress>> {
    const addresses = new Map<string, EniAddress>()
    if (eniIds.length === 0) return addresses
    let nextToken: string | undefined
    do {
      // A filter, not NetworkInterfaceIds: an interface deleted meanwhile (its task stopped)
      // would fail the whole call with InvalidNetworkInterfaceID.NotFound.
      const out = await this.send('ec2:DescribeNetworkInterfaces', () =>
        this.ec2.send(
          new DescribeNetworkInterfacesCommand({
            Filters: [{ Name: 'network-interface-id', Values: eniIds }],
            NextToken: nextToken,
          }),
        ),
      )
      for (const eni of out.NetworkInterfaces ?? []) {
        if (!eni.NetworkInterfaceId) continue
        addresses.set(eni.NetworkInterfaceId, {
          ...(eni.PrivateIpAddress ? { privateIp: eni.PrivateIpAddress } : {}),
          ...(eni.Association?.PublicIp ? { publicIp: eni.Association.PublicIp } : {}),
        })
      }
      nextToken = out.NextToken
    } while (nextToken)
    return addresses
  }

  close(): void {
    this.ecs.destroy()
    this.ec2.destroy()
  }

  /** Runs one call after the credentials were found and masked; SDK errors become ours. */
  private async send<T>(action: string, call: () => Promise<T>): Promise<T> {
    this.credentialsChecked ??= this.checkCredentials()
    await this.credentialsChecked
    try {
      return await call()
    } catch (error) {
      throw toAwsCallError(action, error)
    }
  }

  /** Resolves the default chain once and masks what it found before anything is logged. */
  private async checkCredentials(): Promise<void> {
    let credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
    try {
      credentials = await this.ecs.config.credentials()
    } catch (error) {
      throw new ActionError(
        `No AWS credentials were found (${errorMessage(error)}). Run aws-actions/configure-aws-credentials before this step, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.`,
      )
    }
    for (const value of [
      credentials.accessKeyId,
      credentials.secretAccessKey,
      credentials.sessionToken,
    ]) {
      if (value) core.setSecret(value)
    }
  }

  /** Tags each failed attempt with its action, which the retry log names. */
  private tagAttempts(client: ECSClient | EC2Client, service: string): void {
    // biome-ignore lint/suspicious/noExplicitAny: the two clients' stacks differ only in types.
    const stack = client.middlewareStack as any
    stack.addRelativeTo(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
        async (args: unknown) => {
          try {
            return await next(args)
          } catch (error) {
            if (typeof error === 'object' && error !== null) {
              const action = `${service}:${(context.commandName ?? '').replace(/Command$/, '')}`
              Object.assign(error, { [ACTION_KEY]: action })
            }
            throw error
          }
        },
      { relation: 'after', toMiddleware: 'retryMiddleware', name: 'ephemeraActionTag' },
    )
  }
}
