// The part of ECS and EC2 the ECS provider uses, in our own terms. ecs-sdk.ts implements it
// with the AWS SDK; tests use it against the loopback ECS server or a fake.

/** awslogs settings of a container: where its output goes in CloudWatch Logs. */
export interface AwsLogs {
  group: string
  region: string
  streamPrefix: string
}

export interface ContainerDefinition {
  name: string
  image: string
  essential: boolean
  /** Container ports, TCP. */
  ports: number[]
  entryPoint?: string[]
  command?: string[]
  /** Seconds ECS waits after SIGTERM before it kills the container. */
  stopTimeout?: number
  logs?: AwsLogs
}

export interface TaskDefinitionInput {
  family: string
  cpu: string
  memory: string
  executionRoleArn?: string
  taskRoleArn?: string
  containers: ContainerDefinition[]
  tags: Record<string, string>
}

export interface TaskDefinitionInfo {
  arn: string
  family: string
  containers: ContainerDefinition[]
}

export interface ContainerOverride {
  name: string
  environment: Record<string, string>
}

export interface RunTaskInput {
  cluster: string
  taskDefinition: string
  subnets: string[]
  securityGroups: string[]
  assignPublicIp: boolean
  startedBy: string
  tags: Record<string, string>
  /** Same token and same request: ECS answers with the task it already started. */
  clientToken: string
  overrides: ContainerOverride[]
  cpu?: string
  memory?: string
}

/** A task ECS could not place, such as RESOURCE:FARGATE when a zone has no capacity. */
export interface RunTaskFailure {
  reason: string
  detail?: string
}

export interface RunTaskResult {
  tasks: EcsTask[]
  failures: RunTaskFailure[]
}

export interface EcsContainer {
  name: string
  lastStatus: string
  exitCode?: number
  reason?: string
}

export interface EcsTask {
  arn: string
  /** The last part of the ARN; ECS calls accept it together with the cluster. */
  id: string
  taskDefinitionArn: string
  lastStatus: string
  desiredStatus: string
  startedBy?: string
  tags: Record<string, string>
  stopCode?: string
  stoppedReason?: string
  containers: EcsContainer[]
  /** Set once the task is PENDING: ECS attaches the interface after provisioning. */
  eniId?: string
  privateIp?: string
  subnetId?: string
}

export interface EniAddress {
  privateIp?: string
  publicIp?: string
}

/** ECS and EC2 calls the ECS provider makes. Each throws an AwsCallError when AWS says no. */
export interface EcsApi {
  readonly region: string
  /** The task definition by family, family:revision or ARN; undefined when there is none. */
  describeTaskDefinition(ref: string): Promise<TaskDefinitionInfo | undefined>
  registerTaskDefinition(input: TaskDefinitionInput): Promise<TaskDefinitionInfo>
  runTask(input: RunTaskInput): Promise<RunTaskResult>
  /** Tasks with their tags; ones ECS no longer knows are left out. */
  describeTasks(cluster: string, tasks: string[]): Promise<EcsTask[]>
  /** ARNs of the cluster's tasks started by `startedBy` that should be running, every page. */
  listTasks(cluster: string, startedBy: string): Promise<string[]>
  /** Undefined when ECS does not know the task (any more). */
  stopTask(cluster: string, task: string, reason: string): Promise<EcsTask | undefined>
  /** Addresses of the network interfaces that still exist, by interface ID. */
  describeAddresses(eniIds: string[]): Promise<Map<string, EniAddress>>
  close(): void
}

/** A call AWS refused or that never got an answer, independent of the SDK. */
export class AwsCallError extends Error {
  override name = 'AwsCallError'

  constructor(
    /** ecs:RunTask, ec2:DescribeNetworkInterfaces, ... */
    readonly action: string,
    /** AWS's error code (ThrottlingException), or the network error's code. */
    readonly code: string,
    readonly awsMessage: string,
    /** HTTP status; 0 when no answer came. */
    readonly status: number,
    readonly attempts: number,
    /** ConflictException of RunTask: the tasks already started with the client token. */
    readonly resourceIds: string[] = [],
  ) {
    super(`${action} failed: ${code}: ${awsMessage}`)
  }
}
