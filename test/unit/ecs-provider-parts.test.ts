import { spawn } from 'node:child_process'
import { describe, expect, test } from 'vitest'
import { AwsCallError, type EcsTask } from '../../src/aws/ecs-api.js'
import { ENGINES } from '../../src/engines.js'
import { explainAwsError } from '../../src/providers/ecs-errors.js'
import {
  describeStop,
  firstClientToken,
  instanceOf,
  nextClientToken,
  statusOf,
} from '../../src/providers/ecs-instance.js'
import { lazyEcsProvider } from '../../src/providers/ecs-lazy.js'
import {
  containersOf,
  DEFAULT_TIMER_IMAGE,
  type EcsLaunchSettings,
  onDemandTaskDefinition,
  pickTimer,
  TIMER_NODE_PROGRAM,
  TIMER_SHELL_PROGRAM,
} from '../../src/providers/ecs-task-definition.js'
import type { PreviewInstance, PreviewProvider, PreviewSpec } from '../../src/providers/provider.js'

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; ms: number; out: string }> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', ...env } })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, ms: Date.now() - started, out }))
  })
}

describe('timer programs', () => {
  test('the Node timer exits 0 at the deadline', async () => {
    const at = new Date(Date.now() + 400)
    const result = await run(process.execPath, ['-e', TIMER_NODE_PROGRAM], {
      EPHEMERA_EXPIRES_AT: at.toISOString(),
    })
    expect(result.code).toBe(0)
    expect(result.ms).toBeGreaterThanOrEqual(350)
    expect(result.out).toContain(`stopping the task at ${at.toISOString()}`)
  })

  test('the Node timer stops the task at once when the deadline is unreadable', async () => {
    const result = await run(process.execPath, ['-e', TIMER_NODE_PROGRAM], {
      EPHEMERA_EXPIRES_AT: 'soon',
    })
    expect(result.code).toBe(2)
  })

  test('the shell timer sleeps until the epoch second, then exits 0', async () => {
    const epoch = Math.ceil(Date.now() / 1000) + 1
    const result = await run('sh', ['-c', TIMER_SHELL_PROGRAM], {
      EPHEMERA_EXPIRES_EPOCH: String(epoch),
      EPHEMERA_EXPIRES_AT: new Date(epoch * 1000).toISOString(),
    })
    expect(result.code).toBe(0)
    expect(Date.now() / 1000).toBeGreaterThanOrEqual(epoch - 0.05)
    expect(result.out).toContain('expired')
  })

  test('the shell timer exits non-zero on a deadline that is no number', async () => {
    const result = await run('sh', ['-c', TIMER_SHELL_PROGRAM], { EPHEMERA_EXPIRES_EPOCH: 'x y' })
    expect(result.code).not.toBe(0)
    expect(result.ms).toBeLessThan(2000)
  })
})

const settings: EcsLaunchSettings = {
  subnets: ['subnet-01234567'],
  securityGroups: [],
  assignPublicIp: true,
  taskDefinition: '',
  cpu: '',
  memory: '',
  executionRoleArn: '',
  taskRoleArn: '',
  containerPort: undefined,
  timerImage: '',
  logGroup: '',
}

describe('task definitions', () => {
  test.each([
    ['lite', 'registry.example/ephemera-lite:1', '', 'registry.example/ephemera-lite:1', true],
    ['localstack', 'localstack/localstack:4', '', DEFAULT_TIMER_IMAGE, false],
    ['lite', 'ephemera-lite:latest', 'alpine:3', 'alpine:3', false],
    ['lite', 'ephemera-lite:latest', 'ephemera-lite:latest', 'ephemera-lite:latest', true],
  ] as const)(
    'engine %s with image %s and timer-image %j runs the timer in %s (node: %s)',
    (engine, image, timerImage, expected, node) => {
      expect(pickTimer(ENGINES[engine], image, timerImage)).toEqual({ image: expected, node })
    },
  )

  test('the on-demand family names its content, so equal inputs find the same family', () => {
    const make = (extra: Partial<EcsLaunchSettings> = {}, port = 4566) =>
      onDemandTaskDefinition({
        engine: ENGINES.localstack,
        image: 'localstack/localstack:4',
        port,
        settings: { ...settings, ...extra },
        region: 'us-east-1',
      })
    const td = make()
    expect(td.family).toMatch(/^ephemera-localstack-[0-9a-f]{12}$/)
    expect(make().family).toBe(td.family)
    expect(make({}, 4600).family).not.toBe(td.family)
    expect(make({ cpu: '2048', memory: '4096' }).family).not.toBe(td.family)
    expect(td).toMatchObject({ cpu: '1024', memory: '2048', tags: { 'ephemera.tool': 'ephemera' } })
    expect(td.containers.map((c) => [c.name, c.image, c.essential, c.ports])).toEqual([
      ['emulator', 'localstack/localstack:4', true, [4566]],
      ['timer', DEFAULT_TIMER_IMAGE, true, []],
    ])
    expect(td.containers[1]?.entryPoint).toEqual(['sh', '-c'])
    const logged = make({ logGroup: '/p', executionRoleArn: 'arn:aws:iam::1:role/x' })
    expect(logged.containers[0]?.logs).toEqual({
      group: '/p',
      region: 'us-east-1',
      streamPrefix: 'ephemera',
    })
    expect(logged.executionRoleArn).toBe('arn:aws:iam::1:role/x')
  })

  test('a given task definition needs an essential timer and some emulator container', () => {
    const c = (name: string, essential = true) => ({ name, image: 'x', essential, ports: [] })
    expect(containersOf('td', [c('app'), c('timer')]).emulator.name).toBe('app')
    expect(containersOf('td', [c('side', false), c('emulator'), c('timer')]).emulator.name).toBe(
      'emulator',
    )
    expect(() => containersOf('td', [c('emulator'), c('timer', false)])).toThrow(
      "no essential container named 'timer'",
    )
    expect(() => containersOf('td', [c('timer')])).toThrow('no container for the emulator')
  })
})

function task(extra: Partial<EcsTask> = {}): EcsTask {
  return {
    arn: 'arn:aws:ecs:us-east-1:1:task/default/abc',
    id: 'abc',
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:1:task-definition/x:1',
    lastStatus: 'RUNNING',
    desiredStatus: 'RUNNING',
    tags: {},
    containers: [],
    ...extra,
  }
}

describe('tasks as instances', () => {
  test.each([
    ['PROVISIONING', 'RUNNING', 'starting'],
    ['PENDING', 'RUNNING', 'starting'],
    ['RUNNING', 'RUNNING', 'running'],
    ['RUNNING', 'STOPPED', 'stopping'],
    ['DEPROVISIONING', 'STOPPED', 'stopping'],
    ['STOPPED', 'STOPPED', 'stopped'],
  ])('%s wanting %s is %s', (lastStatus, desiredStatus, status) => {
    expect(statusOf(task({ lastStatus, desiredStatus }))).toBe(status)
  })

  test('the URL prefers the public IP and uses the port tag', () => {
    const t = task({
      tags: { 'ephemera.port': '4566', 'ephemera.engine': 'moto' },
      privateIp: '10.0.0.5',
    })
    expect(instanceOf(t, { privateIp: '10.0.0.5', publicIp: '3.3.3.3' }).url).toBe(
      'http://3.3.3.3:4566',
    )
    expect(instanceOf(t, { privateIp: '10.0.0.5' }).url).toBe('http://10.0.0.5:4566')
    expect(instanceOf(task({ lastStatus: 'PROVISIONING' }), undefined).url).toBe('')
    expect(instanceOf(t, undefined).engine).toBe('moto')
  })

  test('a stop names the reason and how each container ended', () => {
    expect(
      describeStop(
        task({
          lastStatus: 'STOPPED',
          stopCode: 'TaskFailedToStart',
          stoppedReason: 'CannotPullContainerError: no such image',
          containers: [
            { name: 'emulator', lastStatus: 'STOPPED', exitCode: 137, reason: 'OutOfMemoryError' },
            { name: 'timer', lastStatus: 'STOPPED', reason: 'CannotPullContainerError: x' },
          ],
        }),
      ),
    ).toBe(
      'CannotPullContainerError: no such image (TaskFailedToStart); emulator exited with code 137 (OutOfMemoryError), timer did not run: CannotPullContainerError: x',
    )
  })

  test('client tokens are the same for the same preview, and move on past stopped tasks', () => {
    const spec = {
      key: { repository: 'o/r', pr: 1, name: 'default' },
      configHash: 'h',
    } as PreviewSpec
    const first = firstClientToken('default', spec)
    expect(first).toMatch(/^ephemera-[0-9a-f]{40}$/)
    expect(first.length).toBeLessThanOrEqual(64)
    expect(firstClientToken('default', { ...spec })).toBe(first)
    expect(firstClientToken('other', spec)).not.toBe(first)
    expect(firstClientToken('default', { ...spec, configHash: 'g' })).not.toBe(first)
    expect(nextClientToken(first, ['b', 'a'])).toBe(nextClientToken(first, ['a', 'b']))
    expect(nextClientToken(first, ['a'])).not.toBe(first)
  })
})

describe('AWS errors', () => {
  const ctx = {
    cluster: 'previews',
    region: 'eu-west-1',
    ecsEndpoint: undefined,
    ec2Endpoint: 'http://127.0.0.1:9',
  }
  const error = (code: string, message: string, status = 400, action = 'ecs:RunTask') =>
    new AwsCallError(action, code, message, status, 1)

  test.each([
    [error('AccessDeniedException', 'not authorized'), /^AWS refused ecs:RunTask .*permissions/],
    [
      error('UnauthorizedOperation', 'no', 403, 'ec2:DescribeNetworkInterfaces'),
      /^AWS refused ec2:/,
    ],
    [
      error('ClusterNotFoundException', 'Cluster not found.'),
      /no cluster 'previews' in eu-west-1.*'cluster'/,
    ],
    [
      error('InvalidParameterException', 'The subnet ID subnet-1 does not exist'),
      /Check input 'subnets'\.$/,
    ],
    [
      error('InvalidParameterException', 'The security group sg-1 does not exist in subnet vpc'),
      /Check input 'security-groups'\.$/,
    ],
    [error('ClientException', 'TaskDefinition not found.'), /Check input 'task-definition'\.$/],
    [
      error('ClientException', 'ECS was unable to assume the role arn:aws:iam::1:role/exec'),
      /Check input 'task-role-arn'\.$/,
    ],
    [
      error('ClientException', 'Fargate requires task definition to have execution role ARN'),
      /Check input 'execution-role-arn'\.$/,
    ],
    [
      error('ClientException', 'No Fargate configuration exists for given values'),
      /'cpu' and 'memory'/,
    ],
    [error('ThrottlingException', 'Rate exceeded'), /after 1 attempt\(s\): AWS kept throttling/],
    [error('ServerException', 'boom', 500), /AWS kept throttling or failing/],
    [
      error('ECONNREFUSED', 'connect ECONNREFUSED', 0, 'ec2:DescribeNetworkInterfaces'),
      /no answer from http:\/\/127\.0\.0\.1:9\. Check input 'ec2-endpoint-url'/,
    ],
    [
      error('ECONNREFUSED', 'refused', 0),
      /no answer from AWS's endpoint in eu-west-1\. Check input 'ecs-endpoint-url'/,
    ],
    [error('SomethingNew', 'odd'), /Check the ECS inputs/],
  ])('%s', (e, message) => {
    expect(explainAwsError(e, ctx).message).toMatch(message)
  })
})

describe('lazy loading', () => {
  test('the ECS provider is built on the first call, once, and every call reaches it', async () => {
    const calls: string[] = []
    let builds = 0
    const record =
      (name: string, answer: unknown = []) =>
      async (...args: unknown[]) => {
        calls.push(`${name} ${args.length}`)
        return answer
      }
    const real = {
      kind: 'ecs',
      launch: record('launch'),
      waitUntilReady: record('waitUntilReady'),
      isHealthy: record('isHealthy', true),
      extend: record('extend'),
      logs: record('logs'),
      destroy: record('destroy'),
      list: record('list'),
    } as unknown as PreviewProvider
    const lazy = lazyEcsProvider(async () => {
      builds++
      return real
    })
    expect(lazy.kind).toBe('ecs')
    expect(builds).toBe(0)
    await Promise.all([lazy.list({ repository: 'o/r' }), lazy.list({ repository: 'o/r' })])
    const instance = {} as PreviewInstance
    expect(await lazy.isHealthy(instance)).toBe(true)
    await lazy.launch({} as PreviewSpec)
    await lazy.waitUntilReady(instance, 1)
    await lazy.extend(instance, new Date())
    await lazy.logs(instance, 5)
    await lazy.destroy(instance, 'why')
    expect(builds).toBe(1)
    expect(calls).toEqual([
      'list 1',
      'list 1',
      'isHealthy 1',
      'launch 1',
      'waitUntilReady 2',
      'extend 2',
      'logs 2',
      'destroy 2',
    ])
  })
})
