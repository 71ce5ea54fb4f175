import { DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2'
import {
  AccessDeniedException,
  ClientException,
  ClusterNotFoundException,
  ConflictException,
  CreateClusterCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  InvalidParameterException,
  ListTagsForResourceCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  RunTaskCommand,
  type RunTaskCommandInput,
  ServerException,
  StopTaskCommand,
  TagResourceCommand,
  type Task,
  UntagResourceCommand,
  waitUntilTasksRunning,
  waitUntilTasksStopped,
} from '@aws-sdk/client-ecs'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { type EcsServer, MemoryContainerRunner, startEcsServer } from '../servers/ecs.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
const SUBNET = 'subnet-0a1b2c3d4e5f60718'
const GROUP = 'sg-0123456789abcdef0'

let server: EcsServer
let runner: MemoryContainerRunner
let ecs: ECSClient
let ec2: EC2Client

beforeEach(async () => {
  runner = new MemoryContainerRunner(['ephemera-lite:latest', 'sidecar:1'])
  server = await startEcsServer({ runner, tickMs: 5 })
  server.addSubnet(SUBNET)
  server.addSecurityGroup(GROUP)
  ecs = client(ECSClient, 2)
  ec2 = client(EC2Client, 2)
})

afterEach(async () => {
  ecs.destroy()
  ec2.destroy()
  await server.close()
})

function client<T>(
  Ctor: new (config: {
    region: string
    endpoint: string
    credentials: typeof credentials
    maxAttempts: number
  }) => T,
  maxAttempts: number,
): T {
  return new Ctor({ region: 'us-east-1', endpoint: server.url, credentials, maxAttempts })
}

const fargateApp: RegisterTaskDefinitionCommandInput = {
  family: 'preview-app',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  executionRoleArn: 'arn:aws:iam::000000000000:role/exec',
  containerDefinitions: [
    {
      name: 'emulator',
      image: 'ephemera-lite:latest',
      essential: true,
      portMappings: [{ containerPort: 4566 }],
      environment: [
        { name: 'GATEWAY_LISTEN', value: '127.0.0.1:4566' },
        { name: 'SERVICES', value: 's3' },
      ],
      command: ['node', 'main.js'],
      stopTimeout: 5,
    },
  ],
  tags: [{ key: 'ephemera:pr', value: '7' }],
}

function runInput(extra: Partial<RunTaskCommandInput> = {}): RunTaskCommandInput {
  return {
    cluster: 'default',
    taskDefinition: 'preview-app',
    launchType: 'FARGATE',
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: [SUBNET],
        securityGroups: [GROUP],
        assignPublicIp: 'ENABLED',
      },
    },
    ...extra,
  }
}

async function runOne(extra: Partial<RunTaskCommandInput> = {}): Promise<Task> {
  const out = await ecs.send(new RunTaskCommand(runInput(extra)))
  expect(out.failures).toEqual([])
  const task = out.tasks?.[0]
  if (!task?.taskArn) throw new Error('RunTask returned no task')
  return task
}

async function describe1(taskArn: string, include = false): Promise<Task> {
  const out = await ecs.send(
    new DescribeTasksCommand({ tasks: [taskArn], include: include ? ['TAGS'] : undefined }),
  )
  const task = out.tasks?.[0]
  if (!task) throw new Error(`task ${taskArn} not described`)
  return task
}

async function waitForStatus(taskArn: string, status: string): Promise<Task> {
  const deadline = Date.now() + 5_000
  for (;;) {
    const task = await describe1(taskArn)
    if (task.lastStatus === status) return task
    if (Date.now() > deadline) throw new Error(`task stayed ${task.lastStatus}, wanted ${status}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

function detail(task: Task, name: string): string | undefined {
  return task.attachments?.[0]?.details?.find((d) => d.name === name)?.value
}

async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise
  } catch (error) {
    return error as Error & Record<string, unknown>
  }
  throw new Error('expected the call to fail')
}

describe('task definitions', () => {
  test('register gives each family increasing revisions and fills ECS defaults', async () => {
    const first = await ecs.send(new RegisterTaskDefinitionCommand(fargateApp))
    const second = await ecs.send(new RegisterTaskDefinitionCommand(fargateApp))
    expect(first.taskDefinition?.taskDefinitionArn).toBe(
      'arn:aws:ecs:us-east-1:000000000000:task-definition/preview-app:1',
    )
    expect(second.taskDefinition?.revision).toBe(2)
    expect(second.taskDefinition?.status).toBe('ACTIVE')
    expect(second.taskDefinition?.compatibilities).toEqual(['EC2', 'FARGATE'])
    expect(second.taskDefinition?.registeredAt).toBeInstanceOf(Date)
    const container = second.taskDefinition?.containerDefinitions?.[0]
    expect(container?.portMappings).toEqual([
      { containerPort: 4566, hostPort: 4566, protocol: 'tcp' },
    ])
    expect(container?.stopTimeout).toBe(5)
    expect(second.tags).toEqual([{ key: 'ephemera:pr', value: '7' }])
  })

  test('describe finds by family, family:revision and ARN, with tags only when asked', async () => {
    await ecs.send(new RegisterTaskDefinitionCommand(fargateApp))
    await ecs.send(new RegisterTaskDefinitionCommand({ ...fargateApp, cpu: '512', memory: '1024' }))
    const latest = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'preview-app' }),
    )
    expect(latest.taskDefinition?.revision).toBe(2)
    expect(latest.tags).toBeUndefined()
    const first = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'preview-app:1', include: ['TAGS'] }),
    )
    expect(first.taskDefinition?.cpu).toBe('256')
    expect(first.tags).toEqual([{ key: 'ephemera:pr', value: '7' }])
    const byArn = await ecs.send(
      new DescribeTaskDefinitionCommand({
        taskDefinition: latest.taskDefinition?.taskDefinitionArn,
      }),
    )
    expect(byArn.taskDefinition?.memory).toBe('1024')
  })

  test('deregistering makes a revision INACTIVE and the family resolve to the previous one', async () => {
    await ecs.send(new RegisterTaskDefinitionCommand(fargateApp))
    await ecs.send(new RegisterTaskDefinitionCommand(fargateApp))
    const out = await ecs.send(
      new DeregisterTaskDefinitionCommand({ taskDefinition: 'preview-app:2' }),
    )
    expect(out.taskDefinition?.status).toBe('INACTIVE')
    expect(out.taskDefinition?.deregisteredAt).toBeInstanceOf(Date)
    const latest = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'preview-app' }),
    )
    expect(latest.taskDefinition?.revision).toBe(1)
    const error = await rejection(
      ecs.send(new RunTaskCommand(runInput({ taskDefinition: 'preview-app:2' }))),
    )
    expect(error).toBeInstanceOf(ClientException)
  })

  test.each([
    [{ cpu: undefined }, "Fargate requires that 'cpu' be defined at the task level."],
    [{ networkMode: 'bridge' as const }, "Fargate only supports network mode 'awsvpc'."],
    [
      { cpu: '256', memory: '4096' },
      'No Fargate configuration exists for given values: 256 CPU, 4096 memory.',
    ],
    [
      {
        executionRoleArn: undefined,
        containerDefinitions: [
          { name: 'a', image: 'x', logConfiguration: { logDriver: 'awslogs' as const } },
        ],
      },
      'Fargate requires task definition to have execution role ARN to support log driver awslogs.',
    ],
    [
      { containerDefinitions: [{ name: 'a', image: '' }] },
      'Container.image should not be null or empty.',
    ],
  ])('Fargate checks refuse %j', async (change, message) => {
    const error = await rejection(
      ecs.send(new RegisterTaskDefinitionCommand({ ...fargateApp, ...change })),
    )
    expect(error).toBeInstanceOf(ClientException)
    expect(error.message).toBe(message)
  })

  test('an unknown task definition fails to describe with ClientException', async () => {
    const error = await rejection(
      ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nothing:3' })),
    )
    expect(error).toBeInstanceOf(ClientException)
    expect(error.message).toBe('Unable to describe task definition.')
  })
})

describe('running tasks', () => {
  beforeEach(async () => {
    await ecs.send(new RegisterTaskDefinitionCommand(fargateApp))
  })

  test('RunTask answers PROVISIONING with a precreated ENI, then the task reaches RUNNING', async () => {
    const task = await runOne({
      startedBy: 'ephemera',
      overrides: {
        containerOverrides: [
          {
            name: 'emulator',
            environment: [
              { name: 'SERVICES', value: 's3,sqs' },
              { name: 'X', value: '1' },
            ],
          },
        ],
      },
    })
    expect(task.taskArn).toMatch(/^arn:aws:ecs:us-east-1:000000000000:task\/default\/[0-9a-f]{32}$/)
    expect(task.lastStatus).toBe('PROVISIONING')
    expect(task.desiredStatus).toBe('RUNNING')
    expect(task.createdAt).toBeInstanceOf(Date)
    expect(task.attachments?.[0]).toMatchObject({
      type: 'ElasticNetworkInterface',
      status: 'PRECREATED',
    })
    expect(detail(task, 'subnetId')).toBe(SUBNET)
    expect(detail(task, 'networkInterfaceId')).toBeUndefined()

    const running = await waitForStatus(task.taskArn ?? '', 'RUNNING')
    expect(running.attachments?.[0]?.status).toBe('ATTACHED')
    expect(detail(running, 'networkInterfaceId')).toMatch(/^eni-[0-9a-f]{17}$/)
    expect(detail(running, 'privateIPv4Address')).toBe('127.0.0.1')
    expect(running.startedAt).toBeInstanceOf(Date)
    expect(running.startedBy).toBe('ephemera')
    expect(running.containers?.[0]).toMatchObject({ name: 'emulator', lastStatus: 'RUNNING' })

    const launched = runner.find(task.taskArn ?? '', 'emulator')
    expect(launched?.launch.env).toEqual(
      expect.arrayContaining(['GATEWAY_LISTEN=127.0.0.1:4566', 'SERVICES=s3,sqs', 'X=1']),
    )
    expect(launched?.launch.env).not.toContain('SERVICES=s3')
    expect(launched?.launch.command).toEqual(['node', 'main.js'])
    expect(launched?.launch.labels).toMatchObject({
      'ephemera.test': '1',
      'ecs.task-arn': task.taskArn,
    })
    expect(running.containers?.[0]?.runtimeId).toBe(launched?.id)
  })

  test('a command override replaces the definition command', async () => {
    const task = await runOne({
      overrides: { containerOverrides: [{ name: 'emulator', command: ['sleep', '1'] }] },
    })
    await waitForStatus(task.taskArn ?? '', 'RUNNING')
    expect(runner.find(task.taskArn ?? '', 'emulator')?.launch.command).toEqual(['sleep', '1'])
  })

  test('the ENI answers on EC2 with loopback addresses, and a public one only when assigned', async () => {
    const pub = await runOne()
    const priv = await runOne({
      networkConfiguration: {
        awsvpcConfiguration: { subnets: [SUBNET], assignPublicIp: 'DISABLED' },
      },
    })
    const pubEni = detail(await waitForStatus(pub.taskArn ?? '', 'RUNNING'), 'networkInterfaceId')
    const privEni = detail(await waitForStatus(priv.taskArn ?? '', 'RUNNING'), 'networkInterfaceId')

    const out = await ec2.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [pubEni ?? ''] }),
    )
    expect(out.NetworkInterfaces).toHaveLength(1)
    const eni = out.NetworkInterfaces?.[0]
    expect(eni?.NetworkInterfaceId).toBe(pubEni)
    expect(eni?.PrivateIpAddress).toBe('127.0.0.1')
    expect(eni?.Association?.PublicIp).toBe('127.0.0.1')
    expect(eni?.SubnetId).toBe(SUBNET)
    expect(eni?.Groups).toEqual([{ GroupId: GROUP, GroupName: GROUP }])
    expect(eni?.Status).toBe('in-use')
    expect(eni?.PrivateIpAddresses?.[0]?.Primary).toBe(true)

    const other = await ec2.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [privEni ?? ''] }),
    )
    expect(other.NetworkInterfaces?.[0]?.PrivateIpAddress).toBe('127.0.0.1')
    expect(other.NetworkInterfaces?.[0]?.Association).toBeUndefined()

    const filtered = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'association.public-ip', Values: ['*'] }],
      }),
    )
    expect(filtered.NetworkInterfaces?.map((n) => n.NetworkInterfaceId)).toEqual([pubEni])
    expect(server.calls.filter((c) => c.service === 'ec2').map((c) => c.operation)).toEqual([
      'DescribeNetworkInterfaces',
      'DescribeNetworkInterfaces',
      'DescribeNetworkInterfaces',
    ])
  })

  test('an unknown ENI is an EC2 InvalidNetworkInterfaceID.NotFound error', async () => {
    const error = await rejection(
      ec2.send(
        new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-0123456789abcdef0'] }),
      ),
    )
    expect(error.name).toBe('InvalidNetworkInterfaceID.NotFound')
    expect(error.message).toBe("The networkInterface ID 'eni-0123456789abcdef0' does not exist")
    expect((error.$metadata as { httpStatusCode?: number }).httpStatusCode).toBe(400)
  })

  test('an essential container that exits stops the task and the other containers', async () => {
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        ...fargateApp,
        containerDefinitions: [
          { name: 'app', image: 'ephemera-lite:latest', essential: true },
          { name: 'side', image: 'sidecar:1', essential: false },
        ],
      }),
    )
    const task = await runOne()
    const arn = task.taskArn ?? ''
    await waitForStatus(arn, 'RUNNING')
    runner.exit(arn, 'app', 3)
    const stopped = await waitForStatus(arn, 'STOPPED')
    expect(stopped.stopCode).toBe('EssentialContainerExited')
    expect(stopped.stoppedReason).toBe('Essential container in task exited')
    expect(stopped.desiredStatus).toBe('STOPPED')
    expect(stopped.stoppedAt).toBeInstanceOf(Date)
    expect(stopped.stoppingAt).toBeInstanceOf(Date)
    const byName = Object.fromEntries((stopped.containers ?? []).map((c) => [c.name, c]))
    expect(byName.app).toMatchObject({ lastStatus: 'STOPPED', exitCode: 3 })
    expect(byName.side).toMatchObject({ lastStatus: 'STOPPED', exitCode: 143 })
    expect(runner.running()).toEqual([])
  })

  test('a non-essential container that exits leaves the task running', async () => {
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        ...fargateApp,
        containerDefinitions: [
          { name: 'app', image: 'ephemera-lite:latest' },
          { name: 'side', image: 'sidecar:1', essential: false },
        ],
      }),
    )
    const arn = (await runOne()).taskArn ?? ''
    await waitForStatus(arn, 'RUNNING')
    runner.exit(arn, 'side', 0)
    const deadline = Date.now() + 2_000
    let task = await describe1(arn)
    while (task.containers?.find((c) => c.name === 'side')?.lastStatus !== 'STOPPED') {
      if (Date.now() > deadline) throw new Error('side container never reported STOPPED')
      task = await describe1(arn)
    }
    expect(task.lastStatus).toBe('RUNNING')
    expect(task.containers?.find((c) => c.name === 'side')?.exitCode).toBe(0)
  })

  test('a missing image stops the task with TaskFailedToStart and CannotPullContainerError', async () => {
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        ...fargateApp,
        containerDefinitions: [{ name: 'app', image: 'nowhere/missing:9' }],
      }),
    )
    const arn = (await runOne()).taskArn ?? ''
    const stopped = await waitForStatus(arn, 'STOPPED')
    expect(stopped.stopCode).toBe('TaskFailedToStart')
    expect(stopped.stoppedReason).toMatch(/^CannotPullContainerError: .*nowhere\/missing:9/)
    expect(stopped.containers?.[0]?.reason).toBe(stopped.stoppedReason)
    expect(stopped.containers?.[0]?.exitCode).toBeUndefined()
    expect(runner.containers.size).toBe(0)
  })

  test('StopTask stops the containers and ends with UserInitiated; the ENI goes away', async () => {
    const arn = (await runOne()).taskArn ?? ''
    const eni = detail(await waitForStatus(arn, 'RUNNING'), 'networkInterfaceId') ?? ''
    const out = await ecs.send(new StopTaskCommand({ task: arn, reason: 'PR closed' }))
    expect(out.task?.desiredStatus).toBe('STOPPED')
    expect(out.task?.stopCode).toBe('UserInitiated')
    const stopped = await waitForStatus(arn, 'STOPPED')
    expect(stopped.stoppedReason).toBe('PR closed')
    expect(stopped.containers?.[0]).toMatchObject({ lastStatus: 'STOPPED', exitCode: 143 })
    expect(runner.running()).toEqual([])
    const error = await rejection(
      ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni] })),
    )
    expect(error.name).toBe('InvalidNetworkInterfaceID.NotFound')
    // STOPPED tasks stay describable, and stopping again changes nothing.
    const again = await ecs.send(new StopTaskCommand({ task: arn, reason: 'again' }))
    expect(again.task?.stoppedReason).toBe('PR closed')
  })

  test('StopTask by task id works; an unknown task is InvalidParameterException', async () => {
    const task = await runOne()
    const id = task.taskArn?.split('/').at(-1)
    const out = await ecs.send(new StopTaskCommand({ cluster: 'default', task: id }))
    expect(out.task?.taskArn).toBe(task.taskArn)
    const error = await rejection(ecs.send(new StopTaskCommand({ task: 'f'.repeat(32) })))
    expect(error).toBeInstanceOf(InvalidParameterException)
    expect(error.message).toBe('The referenced task was not found.')
  })

  test('health checks get ECS defaults, go to Docker, and drive healthStatus', async () => {
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({
        ...fargateApp,
        containerDefinitions: [
          {
            name: 'emulator',
            image: 'ephemera-lite:latest',
            healthCheck: { command: ['CMD', '/usr/local/bin/node', '-e', '0'], interval: 5 },
          },
        ],
      }),
    )
    expect(registered.taskDefinition?.containerDefinitions?.[0]?.healthCheck).toEqual({
      command: ['CMD', '/usr/local/bin/node', '-e', '0'],
      interval: 5,
      timeout: 5,
      retries: 3,
      startPeriod: 0,
    })
    const arn = (await runOne()).taskArn ?? ''
    const running = await waitForStatus(arn, 'RUNNING')
    expect(running.healthStatus).toBe('UNKNOWN')
    expect(runner.find(arn, 'emulator')?.launch.healthCheck).toEqual({
      test: ['CMD', '/usr/local/bin/node', '-e', '0'],
      intervalSeconds: 5,
      timeoutSeconds: 5,
      retries: 3,
      startPeriodSeconds: 0,
    })
    runner.setHealth(arn, 'emulator', 'healthy')
    const deadline = Date.now() + 2_000
    let task = running
    while (task.healthStatus !== 'HEALTHY') {
      if (Date.now() > deadline) throw new Error('task never became HEALTHY')
      task = await describe1(arn)
    }
    expect(task.containers?.[0]?.healthStatus).toBe('HEALTHY')
    runner.setHealth(arn, 'emulator', 'unhealthy')
    while (task.healthStatus !== 'UNHEALTHY') {
      if (Date.now() > deadline) throw new Error('task never became UNHEALTHY')
      task = await describe1(arn)
    }
    // A standalone task keeps running while unhealthy; only services replace such tasks.
    expect(task.lastStatus).toBe('RUNNING')
  })

  test('with tickMs 0 tasks move one step per advance()', async () => {
    const manualRunner = new MemoryContainerRunner(['ephemera-lite:latest'])
    const manual = await startEcsServer({ runner: manualRunner, tickMs: 0 })
    manual.addSubnet(SUBNET)
    manual.addSecurityGroup(GROUP)
    const statuses = async () => manual.tasks().map((t) => t.lastStatus)
    try {
      const local = new ECSClient({ region: 'us-east-1', endpoint: manual.url, credentials })
      await local.send(new RegisterTaskDefinitionCommand(fargateApp))
      const first = (await local.send(new RunTaskCommand(runInput()))).tasks?.[0]?.taskArn ?? ''
      const second = (await local.send(new RunTaskCommand(runInput()))).tasks?.[0]?.taskArn ?? ''
      expect(await statuses()).toEqual(['PROVISIONING', 'PROVISIONING'])
      await manual.advance()
      expect(await statuses()).toEqual(['PENDING', 'PENDING'])
      await manual.advance()
      expect(await statuses()).toEqual(['RUNNING', 'RUNNING'])
      expect(manualRunner.running()).toHaveLength(2)

      // Stopping: STOPPING (containers stopped), DEPROVISIONING, STOPPED.
      await local.send(new StopTaskCommand({ task: first }))
      await manual.advance()
      expect(await statuses()).toEqual(['STOPPING', 'RUNNING'])
      await manual.advance()
      expect(await statuses()).toEqual(['DEPROVISIONING', 'RUNNING'])
      expect(manualRunner.running()).toHaveLength(1)
      await manual.advance()
      expect(await statuses()).toEqual(['STOPPED', 'RUNNING'])
      expect(manual.tasks()[1]?.taskArn).toBe(second)

      // A task stopped before it left PROVISIONING never starts a container.
      const third = (await local.send(new RunTaskCommand(runInput()))).tasks?.[0]?.taskArn ?? ''
      await local.send(new StopTaskCommand({ task: third, reason: 'changed my mind' }))
      await manual.advance()
      const stopped = manual.tasks().find((t) => t.taskArn === third)
      expect(stopped).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'UserInitiated' })
      expect(stopped?.startedAt).toBeUndefined()
      expect(manualRunner.containers.size).toBe(2)
      local.destroy()
    } finally {
      await manual.close()
    }
  })

  test('StopTask without a reason records that the user stopped it', async () => {
    const arn = (await runOne()).taskArn ?? ''
    await ecs.send(new StopTaskCommand({ task: arn }))
    const stopped = await waitForStatus(arn, 'STOPPED')
    expect(stopped.stoppedReason).toBe('Task stopped by user')
  })

  test("the SDK's tasksRunning and tasksStopped waiters work against the server", async () => {
    const arn = (await runOne()).taskArn ?? ''
    const waiter = { client: ecs, maxWaitTime: 10, minDelay: 1, maxDelay: 1 }
    const running = await waitUntilTasksRunning(waiter, { tasks: [arn] })
    expect(running.state).toBe('SUCCESS')
    await ecs.send(new StopTaskCommand({ task: arn }))
    const stopped = await waitUntilTasksStopped(waiter, { tasks: [arn] })
    expect(stopped.state).toBe('SUCCESS')
  })

  test('DescribeTasks reports unknown tasks as MISSING failures', async () => {
    const task = await runOne()
    const missing =
      'arn:aws:ecs:us-east-1:000000000000:task/default/0123456789abcdef0123456789abcdef'
    const out = await ecs.send(new DescribeTasksCommand({ tasks: [task.taskArn ?? '', missing] }))
    expect(out.tasks?.map((t) => t.taskArn)).toEqual([task.taskArn])
    expect(out.failures).toEqual([{ arn: missing, reason: 'MISSING' }])
  })

  test('ListTasks pages with maxResults and filters by family, startedBy and desiredStatus', async () => {
    const out = await ecs.send(new RunTaskCommand(runInput({ count: 5, startedBy: 'pr-1' })))
    expect(out.tasks).toHaveLength(5)
    const other = await runOne({ startedBy: 'pr-2' })
    const seen: string[] = []
    let nextToken: string | undefined
    let pages = 0
    do {
      const page = await ecs.send(
        new ListTasksCommand({ startedBy: 'pr-1', maxResults: 2, nextToken }),
      )
      seen.push(...(page.taskArns ?? []))
      nextToken = page.nextToken
      pages++
    } while (nextToken)
    expect(pages).toBe(3)
    expect(seen).toEqual(out.tasks?.map((t) => t.taskArn))

    await ecs.send(new StopTaskCommand({ task: other.taskArn }))
    const running = await ecs.send(new ListTasksCommand({ family: 'preview-app' }))
    expect(running.taskArns).toHaveLength(5)
    const stopped = await ecs.send(new ListTasksCommand({ desiredStatus: 'STOPPED' }))
    expect(stopped.taskArns).toEqual([other.taskArn])
    const none = await ecs.send(new ListTasksCommand({ family: 'other-family' }))
    expect(none.taskArns).toEqual([])
    const badToken = await rejection(ecs.send(new ListTasksCommand({ nextToken: 'not-a-token' })))
    expect(badToken).toBeInstanceOf(InvalidParameterException)
  })

  test('task tags: given, propagated, ECS-managed; shown only with include TAGS', async () => {
    const task = await runOne({
      tags: [{ key: 'ephemera:repo', value: 'o/r' }],
      propagateTags: 'TASK_DEFINITION',
      enableECSManagedTags: true,
    })
    expect(task.tags).toEqual([])
    const described = await describe1(task.taskArn ?? '', true)
    expect(described.tags).toEqual([
      { key: 'ephemera:pr', value: '7' },
      { key: 'ephemera:repo', value: 'o/r' },
      { key: 'aws:ecs:clusterName', value: 'default' },
    ])
    expect((await describe1(task.taskArn ?? '')).tags).toEqual([])

    await ecs.send(
      new TagResourceCommand({
        resourceArn: task.taskArn,
        tags: [{ key: 'ephemera:pr', value: '8' }],
      }),
    )
    await ecs.send(
      new UntagResourceCommand({ resourceArn: task.taskArn, tagKeys: ['ephemera:repo'] }),
    )
    const listed = await ecs.send(new ListTagsForResourceCommand({ resourceArn: task.taskArn }))
    expect(listed.tags).toEqual([
      { key: 'ephemera:pr', value: '8' },
      { key: 'aws:ecs:clusterName', value: 'default' },
    ])
  })

  test('task definition tags change through TagResource', async () => {
    const arn = 'arn:aws:ecs:us-east-1:000000000000:task-definition/preview-app:1'
    await ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'k', value: 'v' }] }))
    const listed = await ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }))
    expect(listed.tags).toEqual([
      { key: 'ephemera:pr', value: '7' },
      { key: 'k', value: 'v' },
    ])
    const error = await rejection(
      ecs.send(new ListTagsForResourceCommand({ resourceArn: `${arn.slice(0, -1)}9` })),
    )
    expect(error.name).toBe('ResourceNotFoundException')
  })

  test('RunTask validates the cluster, subnets, security groups and task definition', async () => {
    const cluster = await rejection(ecs.send(new RunTaskCommand(runInput({ cluster: 'nope' }))))
    expect(cluster).toBeInstanceOf(ClusterNotFoundException)
    expect(cluster.name).toBe('ClusterNotFoundException')
    expect(cluster.message).toBe('Cluster not found.')

    const subnet = await rejection(
      ecs.send(
        new RunTaskCommand(
          runInput({ networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-bad'] } } }),
        ),
      ),
    )
    expect(subnet).toBeInstanceOf(InvalidParameterException)
    expect(subnet.message).toContain("The subnet ID 'subnet-bad' does not exist")

    const group = await rejection(
      ecs.send(
        new RunTaskCommand(
          runInput({
            networkConfiguration: {
              awsvpcConfiguration: { subnets: [SUBNET], securityGroups: ['sg-nope'] },
            },
          }),
        ),
      ),
    )
    expect(group).toBeInstanceOf(InvalidParameterException)
    expect(group.message).toContain("The security group 'sg-nope' does not exist")

    const td = await rejection(ecs.send(new RunTaskCommand(runInput({ taskDefinition: 'ghost' }))))
    expect(td).toBeInstanceOf(InvalidParameterException)
    expect(td.message).toBe('TaskDefinition not found.')

    const noNetwork = await rejection(
      ecs.send(new RunTaskCommand(runInput({ networkConfiguration: undefined }))),
    )
    expect(noNetwork.message).toBe(
      "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    )
    const ec2Launch = await rejection(
      ecs.send(new RunTaskCommand(runInput({ launchType: undefined }))),
    )
    expect(ec2Launch.message).toBe('No Container Instances were found in your cluster.')
    expect(server.tasks()).toEqual([])
  })

  test('a capacity provider strategy of FARGATE runs a Fargate task', async () => {
    const task = await runOne({
      launchType: undefined,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
    })
    expect(task.launchType).toBe('FARGATE')
    expect(task.capacityProviderName).toBe('FARGATE_SPOT')
  })

  test('injected capacity failures come back in failures instead of tasks', async () => {
    server.injectRunTaskFailure({ reason: 'RESOURCE:CPU', times: 2 })
    const out = await ecs.send(new RunTaskCommand(runInput({ count: 3 })))
    expect(out.failures).toEqual([{ reason: 'RESOURCE:CPU' }, { reason: 'RESOURCE:CPU' }])
    expect(out.tasks).toHaveLength(1)
  })

  test('a RunTask retried after a lost answer starts its task once (client token)', async () => {
    server.inject({
      operation: 'RunTask',
      status: 500,
      code: 'ServerException',
      times: 1,
      afterEffect: true,
    })
    const out = await ecs.send(new RunTaskCommand(runInput()))
    expect(out.tasks).toHaveLength(1)
    expect(server.tasks()).toHaveLength(1)
    const runCalls = server.calls.filter((c) => c.operation === 'RunTask')
    expect(runCalls.map((c) => c.status)).toEqual([500, 200])
    const tokens = runCalls.map((c) => (c.body as { clientToken?: string }).clientToken)
    expect(tokens[0]).toBeTruthy()
    expect(tokens[1]).toBe(tokens[0])

    const conflict = await rejection(
      ecs.send(new RunTaskCommand(runInput({ clientToken: tokens[0], startedBy: 'someone-else' }))),
    )
    expect(conflict).toBeInstanceOf(ConflictException)
    expect((conflict as unknown as ConflictException).resourceIds).toEqual([
      out.tasks?.[0]?.taskArn,
    ])
  })
})

describe('clusters, faults and the wire', () => {
  test('DescribeClusters knows default and added clusters and reports others MISSING', async () => {
    server.addCluster('previews')
    await ecs.send(new CreateClusterCommand({ clusterName: 'made' }))
    const out = await ecs.send(
      new DescribeClustersCommand({ clusters: ['default', 'previews', 'made', 'gone'] }),
    )
    expect(out.clusters?.map((c) => [c.clusterName, c.status])).toEqual([
      ['default', 'ACTIVE'],
      ['previews', 'ACTIVE'],
      ['made', 'ACTIVE'],
    ])
    expect(out.failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:000000000000:cluster/gone', reason: 'MISSING' },
    ])
  })

  test.each([
    ['ThrottlingException', 400 as const],
    ['ServerException', 500 as const],
    ['ServiceUnavailableException', 503 as const],
  ])('an injected %s is retried by the SDK and then succeeds', async (code, status) => {
    const retrying = client(ECSClient, 3)
    server.inject({ operation: 'DescribeClusters', status, code, times: 2 })
    const out = await retrying.send(new DescribeClustersCommand({}))
    retrying.destroy()
    expect(out.clusters?.[0]?.clusterName).toBe('default')
    expect(server.calls.map((c) => c.status)).toEqual([status, status, 200])
  })

  test('faults outlasting maxAttempts surface as typed exceptions', async () => {
    server.inject({ operation: 'ListTasks', status: 500, code: 'ServerException', times: 2 })
    const error = await rejection(ecs.send(new ListTasksCommand({})))
    expect(error).toBeInstanceOf(ServerException)
    expect(error.$fault).toBe('server')
    expect(server.calls).toHaveLength(2)
  })

  test('AccessDeniedException is not retried', async () => {
    server.inject({ operation: 'ListTasks', status: 400, code: 'AccessDeniedException', times: 1 })
    const error = await rejection(ecs.send(new ListTasksCommand({})))
    expect(error).toBeInstanceOf(AccessDeniedException)
    expect(server.calls).toHaveLength(1)
  })

  test("a '*' fault hits whatever operation comes next", async () => {
    server.inject({ operation: '*', status: 400, code: 'AccessDeniedException', times: 1 })
    const error = await rejection(ecs.send(new DescribeClustersCommand({})))
    expect(error).toBeInstanceOf(AccessDeniedException)
    const after = await ecs.send(new DescribeClustersCommand({}))
    expect(after.clusters).toHaveLength(1)
  })

  test('EC2 faults are answered in EC2 XML and retried', async () => {
    server.inject({
      operation: 'DescribeNetworkInterfaces',
      status: 503,
      code: 'RequestLimitExceeded',
      times: 1,
    })
    const out = await ec2.send(new DescribeNetworkInterfacesCommand({}))
    expect(out.NetworkInterfaces).toEqual([])
    expect(server.calls.map((c) => [c.service, c.status])).toEqual([
      ['ec2', 503],
      ['ec2', 200],
    ])
  })

  test('requests without SigV4 are refused like AWS does', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters',
      },
      body: '{}',
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    })
  })

  test('a client signing for another region is refused', async () => {
    const elsewhere = new ECSClient({
      region: 'eu-west-1',
      endpoint: server.url,
      credentials,
      maxAttempts: 1,
    })
    const error = await rejection(elsewhere.send(new DescribeClustersCommand({})))
    elsewhere.destroy()
    expect(error.name).toBe('InvalidSignatureException')
    expect(error.message).toContain("not 'eu-west-1'")
  })

  test('every call is recorded with its operation and body', async () => {
    await ecs.send(new DescribeClustersCommand({ clusters: ['default'] }))
    expect(server.calls).toEqual([
      {
        service: 'ecs',
        operation: 'DescribeClusters',
        body: { clusters: ['default'] },
        status: 200,
      },
    ])
  })
})
