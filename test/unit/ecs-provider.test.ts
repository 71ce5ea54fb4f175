import { ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import type { EcsApi } from '../../src/aws/ecs-api.js'
import { createEcsApi } from '../../src/aws/ecs-sdk.js'
import { ENGINES } from '../../src/engines.js'
import { EcsProvider, type EcsProviderOptions } from '../../src/providers/ecs.js'
import type { EcsLaunchSettings } from '../../src/providers/ecs-task-definition.js'
import type { PreviewSpec } from '../../src/providers/provider.js'
import type { Clock } from '../../src/util/clock.js'
import { type FakeEmulator, startFakeEmulator } from '../fakes/ecs-emulator.js'
import { freePort } from '../helpers/net.js'
import { type EcsServer, MemoryContainerRunner, startEcsServer } from '../servers/ecs.js'

const SUBNET = 'subnet-0a1b2c3d4e5f60718'
const GROUP = 'sg-0123456789abcdef0'
const LITE = 'ephemera-lite:latest'

let server: EcsServer
let runner: MemoryContainerRunner
let emulator: FakeEmulator
let api: EcsApi
let retries: string[]
let stdout: string[]

beforeEach(async () => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAEPHEMERAUNIT0001')
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'unit-secret-0123456789')
  vi.stubEnv('AWS_SESSION_TOKEN', '')
  runner = new MemoryContainerRunner([LITE])
  server = await startEcsServer({ runner, tickMs: 5 })
  server.addSubnet(SUBNET)
  server.addSecurityGroup(GROUP)
  emulator = await startFakeEmulator('9.9.9')
  retries = []
  api = createEcsApi({
    region: 'us-east-1',
    ecsEndpoint: server.url,
    ec2Endpoint: server.url,
    maxAttempts: 3,
    retryBaseMs: 1,
    log: (line) => retries.push(line),
  })
  stdout = []
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout.push(String(chunk))
    return true
  })
})

afterEach(async () => {
  vi.restoreAllMocks()
  vi.unstubAllEnvs()
  api.close()
  await emulator.close()
  await server.close()
})

function settings(extra: Partial<EcsLaunchSettings> = {}): EcsLaunchSettings {
  return {
    subnets: [SUBNET],
    securityGroups: [GROUP],
    assignPublicIp: true,
    taskDefinition: '',
    cpu: '',
    memory: '',
    executionRoleArn: '',
    taskRoleArn: '',
    containerPort: emulator.port,
    timerImage: '',
    logGroup: '',
    ...extra,
  }
}

function provider(extra: Partial<EcsProviderOptions> = {}): EcsProvider {
  return new EcsProvider({
    api,
    cluster: 'default',
    launch: settings(),
    relaunch: {
      engine: ENGINES.lite,
      image: LITE,
      configuration: { SERVICES: 's3' },
      authToken: '',
      runId: '2000',
    },
    ecsEndpoint: server.url,
    ec2Endpoint: server.url,
    startTimeoutMs: 5_000,
    stopTimeoutMs: 5_000,
    poll: { firstMs: 5, maxMs: 20 },
    ...extra,
  })
}

function spec(extra: Partial<PreviewSpec> = {}): PreviewSpec {
  return {
    key: { repository: 'octo/app', pr: 7, name: 'default' },
    engine: ENGINES.lite,
    image: LITE,
    configuration: { SERVICES: 's3' },
    authToken: '',
    sha: 'a'.repeat(40),
    runId: '1000',
    expiresAt: new Date(Date.now() + 60 * 60_000),
    configHash: 'hash-1',
    ...extra,
  }
}

function operations(): string[] {
  return server.calls.map((c) => `${c.operation}${c.status === 200 ? '' : ` ${c.status}`}`)
}

function running() {
  return server.tasks().filter((t) => t.lastStatus !== 'STOPPED')
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a rejection')
}

describe('launch', () => {
  test('registers a task definition once, runs the task with tags and overrides, and reports its address', async () => {
    const p = provider()
    const expiresAt = new Date(Date.now() + 30 * 60_000)
    const instance = await p.launch(spec({ expiresAt }))
    expect(instance).toMatchObject({
      key: { repository: 'octo/app', pr: 7, name: 'default' },
      engine: 'lite',
      sha: 'a'.repeat(40),
      runId: '1000',
      configHash: 'hash-1',
      url: `http://127.0.0.1:${emulator.port}`,
      endpoint: `http://127.0.0.1:${emulator.port}`,
    })
    expect(instance.id).toMatch(/^[0-9a-f]{32}$/)
    expect(instance.expiresAt.toISOString()).toBe(expiresAt.toISOString())

    const [task] = server.tasks()
    expect(task?.startedBy).toBe('ephemera')
    expect(Object.fromEntries(task?.tags.map((t) => [t.key, t.value]) ?? [])).toEqual({
      'ephemera.tool': 'ephemera',
      'ephemera.role': 'preview',
      'ephemera.repository': 'octo/app',
      'ephemera.pr': '7',
      'ephemera.name': 'default',
      'ephemera.sha': 'a'.repeat(40),
      'ephemera.run-id': '1000',
      'ephemera.expires-at': expiresAt.toISOString(),
      'ephemera.config-hash': 'hash-1',
      'ephemera.engine': 'lite',
      'ephemera.port': String(emulator.port),
    })
    expect(task?.family).toMatch(/^ephemera-lite-[0-9a-f]{12}$/)
    expect(task?.cpu).toBe('1024')
    expect(task?.memory).toBe('2048')
    await vi.waitFor(() => expect(runner.running()).toHaveLength(2), { timeout: 2000 })
    const emulatorLaunch = runner.find(task?.taskArn ?? '', 'emulator')?.launch
    expect(emulatorLaunch?.image).toBe(LITE)
    expect(emulatorLaunch?.env).toEqual(
      expect.arrayContaining(['SERVICES=s3', `GATEWAY_LISTEN=0.0.0.0:${emulator.port}`]),
    )
    const timer = runner.find(task?.taskArn ?? '', 'timer')?.launch
    expect(timer?.image).toBe(LITE)
    expect(timer?.entryPoint).toEqual(['/usr/local/bin/node'])
    expect(timer?.command?.[0]).toBe('-e')
    expect(timer?.env).toEqual(
      expect.arrayContaining([
        `EPHEMERA_EXPIRES_AT=${expiresAt.toISOString()}`,
        `EPHEMERA_EXPIRES_EPOCH=${Math.ceil(expiresAt.getTime() / 1000)}`,
      ]),
    )

    await p.launch(spec({ key: { repository: 'octo/app', pr: 8, name: 'default' } }))
    const registered = operations().filter((o) => o === 'RegisterTaskDefinition')
    expect(registered).toHaveLength(1)
    // A new provider (the next run) finds the family instead of registering it again.
    await provider().launch(spec({ key: { repository: 'octo/app', pr: 9, name: 'default' } }))
    expect(operations().filter((o) => o === 'RegisterTaskDefinition')).toHaveLength(1)
    expect(stdout.join('')).toContain('::add-mask::unit-secret-0123456789')
    expect(stdout.join('')).toContain('::add-mask::AKIAEPHEMERAUNIT0001')
  })

  test('waits until the task runs and the emulator answers', async () => {
    const p = provider()
    const instance = await p.launch(spec())
    const ready = await p.waitUntilReady(instance, 5000)
    expect(ready).toMatchObject({ ready: true, version: '9.9.9' })
    expect(ready.instance.status).toBe('running')
    expect(await p.isHealthy(ready.instance)).toBe(true)
    emulator.ready = false
    expect(await p.isHealthy(ready.instance)).toBe(false)
  })

  test('two overlapping launches of one preview end on one task', async () => {
    const [a, b] = await Promise.all([
      provider().launch(spec({ runId: '1' })),
      provider().launch(spec({ runId: '2' })),
    ])
    expect(a.id).toBe(b.id)
    expect(running()).toHaveLength(1)
    const runs = server.calls.filter((c) => c.operation === 'RunTask').map((c) => c.status)
    expect(runs.sort()).toEqual([200, 400])
    expect(stdout.join('')).toContain('at the same time')
  })

  test('after a stop, the next launch derives a fresh client token and starts a new task', async () => {
    const p = provider()
    const first = await p.launch(spec())
    await p.destroy(first, 'test')
    const second = await p.launch(spec({ runId: '1001' }))
    expect(second.id).not.toBe(first.id)
    expect(running().map((t) => t.taskId)).toEqual([second.id])
    const third = await p.launch(spec({ runId: '1002' }))
    expect(third.id).toBe(second.id)
  })

  test('a task that cannot start reports why, with each container', async () => {
    const p = provider({
      launch: settings({ timerImage: 'public.ecr.aws/docker/library/busybox:stable' }),
    })
    const instance = await p.launch(spec())
    const ready = await p.waitUntilReady(instance, 5000)
    expect(ready.ready).toBe(false)
    if (ready.ready) return
    expect(ready.reason).toMatch(/^the task stopped: CannotPullContainerError: .*busybox/)
    expect(ready.reason).toContain('(TaskFailedToStart)')
    expect(ready.reason).toMatch(/timer did not run: CannotPullContainerError/)
    expect(ready.logs).toContain('no log configuration')
  })

  test('an emulator that exits ends the wait with its exit code', async () => {
    const p = provider({ launch: settings({ containerPort: 9 }) })
    const instance = await p.launch(spec())
    const waiting = p.waitUntilReady(instance, 5000)
    await vi.waitFor(() => expect(runner.running()).toHaveLength(2), { timeout: 2000 })
    const arn = server.tasks()[0]?.taskArn ?? ''
    runner.exit(arn, 'emulator', 3)
    const ready = await waiting
    expect(ready.ready).toBe(false)
    if (ready.ready) return
    expect(ready.reason).toContain('Essential container in task exited')
    expect(ready.reason).toContain('emulator exited with code 3')
    expect(ready.reason).toContain('timer exited with code 143')
  })

  test('without a public IP the URL uses the private one, with a warning that says why', async () => {
    const p = provider({ launch: settings({ assignPublicIp: false }) })
    const instance = await p.launch(spec())
    expect(instance.url).toBe(`http://127.0.0.1:${emulator.port}`)
    const warning = stdout.find((l) => l.startsWith('::warning::'))
    expect(warning).toContain("no public IP (input 'assign-public-ip' is false)")
    expect(warning).toContain('private IP 127.0.0.1')
  })

  test('runs a task definition given as is, on the port it maps', async () => {
    const ecs = new ECSClient({
      region: 'us-east-1',
      endpoint: server.url,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    })
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'my-preview',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '512',
        memory: '1024',
        containerDefinitions: [
          { name: 'app', image: LITE, portMappings: [{ containerPort: emulator.port }] },
          { name: 'timer', image: LITE, essential: true, command: ['sleep'] },
        ],
      }),
    )
    ecs.destroy()
    const before = server.calls.length
    const p = provider({
      launch: settings({ taskDefinition: 'my-preview', containerPort: undefined, cpu: '1024' }),
    })
    const instance = await p.launch(spec())
    expect(instance.url).toBe(`http://127.0.0.1:${emulator.port}`)
    const [task] = server.tasks()
    expect(task?.taskDefinitionArn).toMatch(/task-definition\/my-preview:1$/)
    expect(task?.cpu).toBe('1024')
    expect(task?.memory).toBe('1024')
    expect(operations().slice(before)).not.toContain('RegisterTaskDefinition')
    expect((await p.waitUntilReady(instance, 5000)).ready).toBe(true)
  })

  test('a given task definition without a timer is refused, naming the input', async () => {
    const ecs = new ECSClient({
      region: 'us-east-1',
      endpoint: server.url,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    })
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'no-timer',
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'emulator', image: LITE }],
      }),
    )
    ecs.destroy()
    const p = provider({ launch: settings({ taskDefinition: 'no-timer' }) })
    const error = await rejection(p.launch(spec()))
    expect(error.message).toMatch(/^Input 'task-definition' names 'no-timer'.*named 'timer'/)
    expect(server.tasks()).toEqual([])
  })
})

describe('list, destroy, extend and logs', () => {
  test('list finds a preview by repository, PR and name, and destroy stops it', async () => {
    const p = provider()
    const mine = await p.launch(spec())
    await p.launch(spec({ key: { repository: 'octo/app', pr: 8, name: 'default' } }))
    await p.launch(spec({ key: { repository: 'octo/other', pr: 7, name: 'default' } }))
    expect((await p.list({ repository: 'octo/app' })).map((i) => i.key.pr).sort()).toEqual([7, 8])
    const found = await p.list({ repository: 'octo/app', pr: 7, name: 'default' })
    expect(found.map((i) => i.id)).toEqual([mine.id])
    expect(found[0]?.url).toBe(mine.url)
    expect(await p.list({ repository: 'octo/app', pr: 7, name: 'other' })).toEqual([])

    await p.destroy(mine, 'PR #7 was closed')
    const stopped = server.tasks().find((t) => t.taskId === mine.id)
    expect(stopped).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'UserInitiated' })
    expect(stopped?.stoppedReason).toBe('ephemera: PR #7 was closed')
    expect(await p.list({ repository: 'octo/app', pr: 7 })).toEqual([])
    await p.destroy(mine, 'again')
  })

  test('list pages through more than 100 tasks', async () => {
    const p = provider()
    // RunTask needs a task definition: register it through one launch, then add 104 more.
    await p.launch(spec())
    for (let pr = 1; pr <= 104; pr++) {
      await api.runTask({
        cluster: 'default',
        taskDefinition: server.tasks()[0]?.taskDefinitionArn ?? '',
        subnets: [SUBNET],
        securityGroups: [],
        assignPublicIp: true,
        startedBy: 'ephemera',
        tags: {
          'ephemera.tool': 'ephemera',
          'ephemera.role': 'preview',
          'ephemera.repository': 'octo/app',
          'ephemera.pr': String(100 + pr),
        },
        clientToken: `bulk-${pr}`,
        overrides: [],
      })
    }
    expect(await p.list({ repository: 'octo/app' })).toHaveLength(105)
    expect(operations().filter((o) => o === 'ListTasks')).toHaveLength(2)
  })

  test('extend keeps the task while half the lifetime is left, else replaces it', async () => {
    let offset = 0
    const clock: Clock = {
      now: () => Date.now() + offset,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    }
    const p = provider({ clock })
    const first = await p.launch(spec({ expiresAt: new Date(Date.now() + 60 * 60_000) }))

    // 20 minutes later a run wants 60 more: 40 are left, more than half of 60.
    offset = 20 * 60_000
    const kept = await p.extend(first, new Date(clock.now() + 60 * 60_000))
    expect(kept.id).toBe(first.id)
    expect(kept.expiresAt).toEqual(first.expiresAt)

    // 40 minutes later only 20 are left: the task is replaced by one that stops at the new time.
    offset = 40 * 60_000
    const wanted = new Date(clock.now() + 60 * 60_000)
    const replaced = await p.extend(first, wanted)
    expect(replaced.id).not.toBe(first.id)
    expect(replaced.expiresAt.toISOString()).toBe(wanted.toISOString())
    expect(replaced.runId).toBe('2000')
    expect(replaced.sha).toBe(first.sha)
    expect(server.tasks().find((t) => t.taskId === first.id)?.lastStatus).toBe('STOPPED')
    expect(running().map((t) => t.taskId)).toEqual([replaced.id])
    const timerEnv = () => runner.find(running()[0]?.taskArn ?? '', 'timer')?.launch.env
    await vi.waitFor(() =>
      expect(timerEnv()).toContain(`EPHEMERA_EXPIRES_AT=${wanted.toISOString()}`),
    )
  })

  test('a task listed while provisioning comes back from extend with its address', async () => {
    const manual = await startEcsServer({ runner: new MemoryContainerRunner([LITE]), tickMs: 0 })
    manual.addSubnet(SUBNET)
    const manualApi = createEcsApi({
      region: 'us-east-1',
      ecsEndpoint: manual.url,
      ec2Endpoint: manual.url,
      maxAttempts: 1,
    })
    try {
      const p = provider({ api: manualApi, launch: settings({ securityGroups: [] }) })
      const launching = p.launch(spec())
      await vi.waitFor(() => expect(manual.tasks()).toHaveLength(1))
      const [listed] = await p.list({ repository: 'octo/app', pr: 7 })
      if (!listed) throw new Error('the provisioning task was not listed')
      expect(listed).toMatchObject({ status: 'starting', url: '' })
      await manual.advance()
      await manual.advance()
      await launching
      const extended = await p.extend(listed, new Date(Date.now() + 60 * 60_000))
      expect(extended).toMatchObject({
        id: listed.id,
        status: 'running',
        url: `http://127.0.0.1:${emulator.port}`,
      })
    } finally {
      manualApi.close()
      await manual.close()
    }
  })

  test('logs name the CloudWatch stream when the task has one', async () => {
    const p = provider({
      launch: settings({
        logGroup: '/ephemera/previews',
        executionRoleArn: 'arn:aws:iam::000000000000:role/exec',
      }),
    })
    const instance = await p.launch(spec())
    expect(await p.logs(instance, 40)).toBe(
      `The emulator's output is in CloudWatch Logs: group /ephemera/previews, stream ephemera/emulator/${instance.id} (region us-east-1).`,
    )
  })
})

describe('AWS errors', () => {
  test.each([
    [
      { subnets: ['subnet-00000000000000bad'] },
      "Check input 'subnets'",
      /subnet-00000000000000bad/,
    ],
    [{ securityGroups: ['sg-00000000000000bad'] }, "Check input 'security-groups'", /sg-0+bad/],
    [{ taskDefinition: 'ghost' }, "Input 'task-definition' names 'ghost'", /does not know/],
  ])('%j is refused with a message naming the input', async (change, input, detail) => {
    const error = await rejection(provider({ launch: settings(change) }).launch(spec()))
    expect(error.message).toContain(input)
    expect(error.message).toMatch(detail)
    expect(running()).toEqual([])
  })

  test('an unknown cluster names the cluster input', async () => {
    const error = await rejection(provider({ cluster: 'nope' }).list({ repository: 'octo/app' }))
    expect(error.message).toBe(
      "ECS has no cluster 'nope' in us-east-1 (ecs:ListTasks: Cluster not found.). Check input 'cluster', and 'region'.",
    )
  })

  test('an endpoint that does not answer names the endpoint input, after retries', async () => {
    const port = await freePort()
    const silent = createEcsApi({
      region: 'us-east-1',
      ecsEndpoint: `http://127.0.0.1:${port}`,
      maxAttempts: 2,
      retryBaseMs: 1,
      log: (line) => retries.push(line),
    })
    const p = provider({ api: silent, ecsEndpoint: `http://127.0.0.1:${port}` })
    const error = await rejection(p.list({ repository: 'octo/app' }))
    silent.close()
    expect(error.message).toMatch(
      new RegExp(
        `^ecs:ListTasks failed \\(ECONNREFUSED: .*\\): no answer from http://127\\.0\\.0\\.1:${port}\\. Check input 'ecs-endpoint-url'`,
      ),
    )
    expect(retries).toEqual([
      expect.stringMatching(/^ecs:ListTasks failed on attempt 1 of 2 \(ECONNREFUSED/),
    ])
  })

  test('access denied points at the permissions, without retrying', async () => {
    server.inject({ operation: 'ListTasks', status: 400, code: 'AccessDeniedException', times: 1 })
    const error = await rejection(provider().list({ repository: 'octo/app' }))
    expect(error.message).toMatch(/^AWS refused ecs:ListTasks \(AccessDeniedException: /)
    expect(error.message).toContain('Previews on AWS ECS Fargate')
    expect(operations()).toEqual(['ListTasks 400'])
  })

  test('missing capacity comes back as one clear error', async () => {
    server.injectRunTaskFailure({ reason: 'RESOURCE:FARGATE', times: 1 })
    const error = await rejection(provider().launch(spec()))
    expect(error.message).toMatch(/^ECS could not place the preview task: RESOURCE:FARGATE\./)
    expect(error.message).toContain("'subnets'")
  })

  test('throttling and 5xx are retried with logged attempts, then succeed', async () => {
    server.inject({ operation: 'RunTask', status: 400, code: 'ThrottlingException', times: 2 })
    server.inject({ operation: 'DescribeTasks', status: 500, code: 'ServerException', times: 1 })
    server.inject({
      operation: 'DescribeNetworkInterfaces',
      status: 503,
      code: 'RequestLimitExceeded',
      times: 1,
    })
    const instance = await provider().launch(spec())
    expect(instance.url).not.toBe('')
    expect(operations().filter((o) => o.startsWith('RunTask'))).toEqual([
      'RunTask 400',
      'RunTask 400',
      'RunTask',
    ])
    expect(retries).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^ecs:RunTask failed on attempt 1 of 3 \(ThrottlingException: Rate exceeded\); retrying in \d+ ms\.$/,
        ),
        expect.stringMatching(/^ecs:RunTask failed on attempt 2 of 3 \(ThrottlingException/),
        expect.stringMatching(/^ecs:DescribeTasks failed on attempt 1 of 3 \(ServerException/),
        expect.stringMatching(
          /^ec2:DescribeNetworkInterfaces failed on attempt 1 of 3 \(RequestLimitExceeded/,
        ),
      ]),
    )
    expect(running()).toHaveLength(1)
  })

  test('throttling that outlasts the attempts fails with a message saying so', async () => {
    server.inject({ operation: 'ListTasks', status: 400, code: 'ThrottlingException', times: 5 })
    const error = await rejection(provider().list({ repository: 'octo/app' }))
    expect(error.message).toBe(
      'ecs:ListTasks failed (ThrottlingException: Rate exceeded) after 3 attempt(s): AWS kept throttling or failing the call. Run the job again in a few minutes.',
    )
  })
})
