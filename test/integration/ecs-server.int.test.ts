import { createServer } from 'node:net'
import { DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2'
import {
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  RunTaskCommand,
  StopTaskCommand,
  type Task,
} from '@aws-sdk/client-ecs'
import Docker from 'dockerode'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { describeWithDocker } from '../helpers/docker.js'
import { type EcsServer, startEcsServer } from '../servers/ecs.js'
import { NODE_IN_IMAGE, pickTaskImage, type TaskImage } from '../servers/ecs-test-image.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

const SUBNET = 'subnet-0aaaaaaaaaaaaaaaa'
const GROUP = 'sg-0bbbbbbbbbbbbbbbb'
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }

// For the Node-only image: a server answering the lite emulator's health path on GATEWAY_LISTEN.
const HEALTH_SERVER = [
  "const [host, port] = process.env.GATEWAY_LISTEN.split(':')",
  "require('node:http').createServer((req, res) => {",
  "  res.setHeader('content-type', 'application/json')",
  '  res.end(JSON.stringify({ path: req.url, services: {} }))',
  '}).listen(Number(port), host)',
].join('\n')

describeWithDocker('loopback ECS server running tasks on Docker', () => {
  const docker = new Docker()
  let server: EcsServer
  let closed = false
  let ecs: ECSClient
  let ec2: EC2Client
  let image: TaskImage

  beforeAll(async () => {
    image = await pickTaskImage(docker)
    server = await startEcsServer({ docker, tickMs: 50 })
    server.addSubnet(SUBNET)
    server.addSecurityGroup(GROUP)
    const config = { region: 'us-east-1', endpoint: server.url, credentials, maxAttempts: 2 }
    ecs = new ECSClient(config)
    ec2 = new EC2Client(config)
  })

  afterAll(async () => {
    ecs?.destroy()
    ec2?.destroy()
    if (server && !closed) await server.close()
  })

  async function register(family: string, container: Partial<ContainerInput>): Promise<void> {
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          { name: 'emulator', image: image.image, stopTimeout: 5, ...container },
        ],
      }),
    )
  }

  async function run(family: string, env: Record<string, string> = {}): Promise<string> {
    const out = await ecs.send(
      new RunTaskCommand({
        taskDefinition: family,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: [SUBNET],
            securityGroups: [GROUP],
            assignPublicIp: 'ENABLED',
          },
        },
        overrides: {
          containerOverrides: [
            {
              name: 'emulator',
              environment: Object.entries(env).map(([name, value]) => ({ name, value })),
            },
          ],
        },
      }),
    )
    const arn = out.tasks?.[0]?.taskArn
    if (!arn) throw new Error(`RunTask started nothing: ${JSON.stringify(out.failures)}`)
    return arn
  }

  async function waitForStatus(arn: string, status: string, timeoutMs = 30_000): Promise<Task> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const task = (await ecs.send(new DescribeTasksCommand({ tasks: [arn] }))).tasks?.[0]
      if (task?.lastStatus === status) return task
      if (Date.now() > deadline) {
        throw new Error(
          `task is ${task?.lastStatus} (${task?.stoppedReason ?? 'no reason'}), wanted ${status}; runner errors: ${server.lifecycleErrors().join('; ')}`,
        )
      }
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  test('an emulator task reaches RUNNING and answers HTTP on its loopback ENI address', async () => {
    const port = await freePort()
    await register(
      'ecs-int-emulator',
      image.lite ? {} : { command: [NODE_IN_IMAGE, '-e', HEALTH_SERVER] },
    )
    const arn = await run('ecs-int-emulator', { GATEWAY_LISTEN: `127.0.0.1:${port}` })
    const task = await waitForStatus(arn, 'RUNNING')
    const eniId = task.attachments?.[0]?.details?.find(
      (d) => d.name === 'networkInterfaceId',
    )?.value
    const eni = (
      await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId ?? ''] }))
    ).NetworkInterfaces?.[0]
    const address = eni?.Association?.PublicIp
    expect(address).toBe('127.0.0.1')

    const res = await waitForHttp(`http://${address}:${port}/_localstack/health`)
    expect(res.status).toBe(200)
    expect(await res.json()).toHaveProperty('services')

    const runtimeId = task.containers?.[0]?.runtimeId ?? ''
    const info = await docker.getContainer(runtimeId).inspect()
    expect(info.HostConfig.NetworkMode).toBe('host')
    expect(info.HostConfig.Init).toBe(true)
    expect(info.Config.Labels).toMatchObject({ 'ephemera.test': '1', 'ecs.task-arn': arn })
    expect(info.Config.Env).toContain(`GATEWAY_LISTEN=127.0.0.1:${port}`)

    const stop = await ecs.send(new StopTaskCommand({ task: arn, reason: 'preview closed' }))
    expect(stop.task?.desiredStatus).toBe('STOPPED')
    const stopped = await waitForStatus(arn, 'STOPPED')
    expect(stopped.stopCode).toBe('UserInitiated')
    expect(stopped.stoppedReason).toBe('preview closed')
    expect(stopped.containers?.[0]?.lastStatus).toBe('STOPPED')
    expect(typeof stopped.containers?.[0]?.exitCode).toBe('number')
    expect((await docker.getContainer(runtimeId).inspect()).State.Running).toBe(false)
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow()
  })

  test('an essential container that exits stops its task with its exit code', async () => {
    await register('ecs-int-exits', {
      command: [NODE_IN_IMAGE, '-e', 'setTimeout(() => process.exit(3), 300)'],
    })
    const arn = await run('ecs-int-exits')
    const stopped = await waitForStatus(arn, 'STOPPED')
    expect(stopped.stopCode).toBe('EssentialContainerExited')
    expect(stopped.stoppedReason).toBe('Essential container in task exited')
    expect(stopped.containers?.[0]).toMatchObject({ lastStatus: 'STOPPED', exitCode: 3 })
    expect(stopped.startedAt).toBeInstanceOf(Date)
  })

  test('a task whose image is not on the engine fails to start', async () => {
    await register('ecs-int-missing', { image: 'ephemera-absent:0' })
    const arn = await run('ecs-int-missing')
    const stopped = await waitForStatus(arn, 'STOPPED')
    expect(stopped.stopCode).toBe('TaskFailedToStart')
    expect(stopped.stoppedReason).toMatch(/^CannotPullContainerError: .*ephemera-absent:0/)
  })

  test('close() leaves no container of its tasks behind', async () => {
    await register('ecs-int-left', {
      command: [NODE_IN_IMAGE, '-e', 'setInterval(() => {}, 1000)'],
    })
    const arn = await run('ecs-int-left')
    await waitForStatus(arn, 'RUNNING')
    const arns = new Set(server.tasks().map((t) => t.taskArn))
    const ours = async () =>
      (await docker.listContainers({ all: true, filters: { label: ['ephemera.test=1'] } })).filter(
        (c) => arns.has(c.Labels['ecs.task-arn'] ?? ''),
      )
    expect((await ours()).length).toBeGreaterThan(0)
    await server.close()
    closed = true
    expect(await ours()).toEqual([])
  })
})

type ContainerInput = NonNullable<
  RegisterTaskDefinitionCommandInput['containerDefinitions']
>[number]

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

async function waitForHttp(url: string, timeoutMs = 15_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await fetch(url)
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}
