import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { httpGet } from '../../src/container/probe.js'
import { containersLabelled } from '../helpers/containers.js'
import { describeWithDocker } from '../helpers/docker.js'
import { pullRequestEvent } from '../helpers/events.js'
import { freePort } from '../helpers/net.js'
import { findLeaks, ROOT, runAction } from '../helpers/run-action.js'
import { type EcsServer, startEcsServer, type TaskRecord } from '../servers/ecs.js'
import { type GitHubServer, startGitHubServer } from '../servers/github.js'

const SHA1 = 'c'.repeat(40)
const SHA2 = 'd'.repeat(40)
const DEPLOY = `node ${ROOT}/examples/static-site/deploy.mjs`
const SUBNET = 'subnet-0e1e2e3e4e5e6e7e8'
const GROUP = 'sg-0f1f2f3f4f5f6f7f8'
// Distinct from everything else printed, so a leak check means something.
const ACCESS_KEY = 'AKIAEPHEMERAINTEG001'
const SECRET_KEY = 'ecs-integration-secret-7f3a9c'

let github: GitHubServer
let ecs: EcsServer
let trap: { url: string; hits: string[]; close(): Promise<void> }
let repository: string
const ports = new Map<number, number>()

async function portFor(pr: number): Promise<number> {
  let port = ports.get(pr)
  if (port === undefined) {
    port = await freePort()
    ports.set(pr, port)
  }
  return port
}

/** A server that only counts requests: where AWS_ENDPOINT_URL points, so nothing should come. */
async function startTrap(): Promise<typeof trap> {
  const hits: string[] = []
  const server: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url} ${req.headers['x-amz-target'] ?? ''}`)
    res.statusCode = 500
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

function env(): Record<string, string> {
  return {
    GITHUB_API_URL: github.url,
    GITHUB_GRAPHQL_URL: `${github.url}/graphql`,
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: SECRET_KEY,
    // Left by an earlier step for the emulator: ECS and EC2 calls must not follow them.
    AWS_ENDPOINT_URL: trap.url,
    AWS_ENDPOINT_URL_ECS: trap.url,
    AWS_ENDPOINT_URL_EC2: trap.url,
    AWS_CONFIG_FILE: join(ROOT, '.tmp', 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(ROOT, '.tmp', 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  }
}

function connection(): Record<string, string> {
  return {
    provider: 'ecs',
    region: 'us-east-1',
    cluster: 'default',
    'ecs-endpoint-url': ecs.url,
    'ec2-endpoint-url': ecs.url,
  }
}

async function preview(
  pr: number,
  sha: string,
  action = 'synchronize',
  inputs: Record<string, string> = {},
) {
  return runAction({
    action: 'preview',
    inputs: {
      ...connection(),
      engine: 'lite',
      subnets: SUBNET,
      'security-groups': GROUP,
      'container-port': String(await portFor(pr)),
      deploy: DEPLOY,
      ...inputs,
    },
    token: github.tokens.job,
    env: env(),
    event: pullRequestEvent(action, { repository, number: pr, sha }),
  })
}

async function finish(event: { name: string; payload: Record<string, unknown> }) {
  return runAction({
    action: 'finish',
    inputs: connection(),
    token: github.tokens.job,
    env: env(),
    event,
  })
}

function ours(pr: number): Array<{ id: number; body: string }> {
  return github
    .comments(pr)
    .filter((c) => c.body.includes('<!-- ephemera:preview name="default" -->'))
}

function tagsOf(task: TaskRecord | undefined): Record<string, string> {
  return Object.fromEntries((task?.tags ?? []).map((t) => [t.key, t.value]))
}

function tasksOf(pr: number): TaskRecord[] {
  return ecs.tasks().filter((t) => tagsOf(t)['ephemera.pr'] === String(pr))
}

function live(pr: number): TaskRecord[] {
  return tasksOf(pr).filter((t) => t.lastStatus !== 'STOPPED')
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
}

/** Operations in order, with runs of the same one collapsed (polls repeat). */
function operationsSince(start: number): string[] {
  const ops: string[] = []
  for (const call of ecs.calls.slice(start)) {
    const op = `${call.operation}${call.status === 200 ? '' : ` ${call.status}`}`
    if (ops.at(-1) !== op) ops.push(op)
  }
  return ops
}

describeWithDocker(
  'preview and finish on ECS Fargate (loopback ECS server, runner harness)',
  () => {
    beforeAll(async () => {
      github = await startGitHubServer()
      repository = `${github.owner}/${github.repo}`
      ecs = await startEcsServer({ tickMs: 50 })
      ecs.addSubnet(SUBNET)
      ecs.addSecurityGroup(GROUP)
      trap = await startTrap()
    })

    afterAll(async () => {
      const tasks = ecs?.tasks() ?? []
      const running = tasks.filter((t) => t.lastStatus !== 'STOPPED')
      // Other suites and benchmarks may run beside this one: look only at this suite's
      // containers, those of this server's tasks.
      const arns = new Set(tasks.map((t) => t.taskArn))
      const suiteContainers = async () =>
        (await containersLabelled({ 'ephemera.test': '1' })).filter((c) =>
          arns.has(c.Labels['ecs.task-arn'] ?? ''),
        )
      // Before the server cleans up: the previews' own teardown stopped every container.
      const stillRunning = (await suiteContainers()).filter((c) => c.State === 'running')
      await ecs?.close()
      await github?.close()
      await trap?.close()
      expect(running.map((t) => `${tagsOf(t)['ephemera.pr']}: ${t.lastStatus}`)).toEqual([])
      expect(stillRunning.map((c) => c.Names[0])).toEqual([])
      const left = [
        ...(await suiteContainers()),
        ...(await containersLabelled({
          'ephemera.tool': 'ephemera',
          'ephemera.repository': repository,
        })),
      ]
      expect(left.map((c) => c.Names[0])).toEqual([])
    })

    it('PR opened: runs a task, deploys the sample site to it, and posts one ready comment', async () => {
      github.addPull({ number: 21, head: { ref: 'feature', sha: SHA1 } })
      const start = ecs.calls.length
      const run = await preview(21, SHA1, 'opened')
      expect(run.exitCode, run.stdout + run.stderr).toBe(0)
      const url = run.outputs.url ?? ''
      expect(url).toBe(`http://127.0.0.1:${ports.get(21)}`)
      expect(run.env.PREVIEW_URL).toBe(url)

      const page = await httpGet(`${url}/site/index.html`, 2000)
      expect(page.status).toBe(200)
      expect(page.body).toContain('Hello from an Ephemera preview')

      const comments = ours(21)
      expect(comments).toHaveLength(1)
      expect(comments[0]?.body).toContain(url)
      expect(comments[0]?.body).toMatch(/is ready/)
      const [deployment] = github.deployments({ environment: 'preview/default/pr-21' })
      expect(deployment?.statuses.map((s) => s.state)).toEqual(['in_progress', 'success'])
      expect(deployment?.statuses.at(-1)?.environmentUrl).toBe(url)

      const [task] = live(21)
      expect(task?.taskId).toBe(run.outputs['instance-id'])
      expect(task?.startedBy).toBe('ephemera')
      expect(task?.containers.map((c) => [c.name, c.lastStatus])).toEqual([
        ['emulator', 'RUNNING'],
        ['timer', 'RUNNING'],
      ])
      expect(tagsOf(task)).toMatchObject({
        'ephemera.tool': 'ephemera',
        'ephemera.repository': repository,
        'ephemera.pr': '21',
        'ephemera.name': 'default',
        'ephemera.sha': SHA1,
        'ephemera.run-id': run.jobEnv.GITHUB_RUN_ID,
        'ephemera.expires-at': run.outputs['expires-at'],
        'ephemera.engine': 'lite',
      })
      // The family is looked up first (unknown: 400), then registered once for later runs.
      expect(operationsSince(start).slice(0, 5)).toEqual([
        'ListTasks',
        'DescribeTaskDefinition 400',
        'RegisterTaskDefinition',
        'RunTask',
        'DescribeTasks',
      ])
      expect(new Set(operationsSince(start))).toEqual(
        new Set([
          'ListTasks',
          'DescribeTaskDefinition 400',
          'RegisterTaskDefinition',
          'RunTask',
          'DescribeTasks',
          'DescribeNetworkInterfaces',
        ]),
      )
      expect(findLeaks(run, [github.tokens.job, ACCESS_KEY, SECRET_KEY])).toEqual([])
      expect(run.stdout).toContain(`::add-mask::${SECRET_KEY}`)
    })

    it('synchronize: reuses the running task, which keeps its stop time, and updates the comment', async () => {
      const before = ours(21)
      const [first] = live(21)
      github.pushPull(21, SHA2)
      const run = await preview(21, SHA2)
      expect(run.exitCode, run.stdout + run.stderr).toBe(0)
      expect(run.outputs['instance-id']).toBe(first?.taskId)
      expect(run.stdout).toContain('Reusing instance')
      expect(run.stdout).toContain('keeps its stop time')
      expect(run.outputs['expires-at']).toBe(tagsOf(first)['ephemera.expires-at'])
      const after = ours(21)
      expect(after).toHaveLength(1)
      expect(after[0]?.id).toBe(before[0]?.id)
      expect(after[0]?.body).toContain(SHA2.slice(0, 7))
      expect(live(21)).toHaveLength(1)
    })

    it('a changed configuration replaces the task', async () => {
      const [old] = live(21)
      const run = await preview(21, SHA2, 'synchronize', { configuration: 'DEBUG=1' })
      expect(run.exitCode, run.stdout + run.stderr).toBe(0)
      expect(run.outputs['instance-id']).not.toBe(old?.taskId)
      expect(live(21).map((t) => t.taskId)).toEqual([run.outputs['instance-id']])
      expect(tasksOf(21).find((t) => t.taskId === old?.taskId)?.stopCode).toBe('UserInitiated')
      const page = await httpGet(`${run.outputs.url}/site/index.html`, 2000)
      expect(page.status).toBe(200)
    })

    it('a reuse with less than half the lifetime left replaces the task', async () => {
      github.addPull({ number: 22, head: { ref: 'short', sha: SHA1 } })
      const first = await preview(22, SHA1, 'opened', { lifetime: '1', deploy: '' })
      expect(first.exitCode, first.stdout + first.stderr).toBe(0)
      const second = await preview(22, SHA1, 'synchronize', { lifetime: '10', deploy: '' })
      expect(second.exitCode, second.stdout + second.stderr).toBe(0)
      expect(second.stdout).toContain('replacing it with a task that stops at')
      expect(second.stdout).toContain(
        `Replaced instance ${first.outputs['instance-id']?.slice(0, 12)}`,
      )
      expect(second.outputs['instance-id']).not.toBe(first.outputs['instance-id'])
      expect(live(22).map((t) => t.taskId)).toEqual([second.outputs['instance-id']])
      const stopsAt = Date.parse(second.outputs['expires-at'] ?? '')
      expect(stopsAt - Date.now()).toBeGreaterThan(8 * 60_000)
    })

    it('two overlapping runs start one task and leave one comment', async () => {
      github.addPull({ number: 23, head: { ref: 'race', sha: SHA1 } })
      const [a, b] = await Promise.all([preview(23, SHA1, 'opened'), preview(23, SHA1, 'opened')])
      expect(a.exitCode, a.stdout + a.stderr).toBe(0)
      expect(b.exitCode, b.stdout + b.stderr).toBe(0)
      expect(a.outputs['instance-id']).toBe(b.outputs['instance-id'])
      expect(tasksOf(23)).toHaveLength(1)
      expect(ours(23)).toHaveLength(1)
    })

    it('a failing deploy shows the failed state with the output tail', async () => {
      github.addPull({ number: 24, head: { ref: 'broken', sha: SHA1 } })
      const run = await preview(24, SHA1, 'opened', {
        deploy: 'echo "creating stack"\necho "stack rollback: bucket policy invalid" >&2\nexit 3',
      })
      expect(run.exitCode).toBe(1)
      expect(run.commands.find((c) => c.command === 'error')?.message).toMatch(
        /input 'deploy'\) exited with code 3/,
      )
      const [comment] = ours(24)
      expect(comment?.body).toMatch(/failed to deploy/)
      expect(comment?.body).toContain('stack rollback: bucket policy invalid')
      expect(comment?.body).toContain('has no log configuration')
      const [deployment] = github.deployments({ environment: 'preview/default/pr-24' })
      expect(deployment?.statuses.at(-1)?.state).toBe('failure')
      expect(live(24)).toHaveLength(1)
    })

    it('a task stops by itself at its expiry when no finish runs', async () => {
      github.addPull({ number: 25, head: { ref: 'expiring', sha: SHA1 } })
      const run = await preview(25, SHA1, 'opened', { lifetime: '0.2', deploy: '' })
      expect(run.exitCode, run.stdout + run.stderr).toBe(0)
      expect(live(25)).toHaveLength(1)
      const expiresAt = Date.parse(run.outputs['expires-at'] ?? '')
      await waitFor(() => live(25).length === 0, 30_000)
      const [task] = tasksOf(25)
      expect(task?.lastStatus).toBe('STOPPED')
      expect(task?.stopCode).toBe('EssentialContainerExited')
      expect(task?.containers.find((c) => c.name === 'timer')?.exitCode).toBe(0)
      expect(task?.stoppedAt).toBeGreaterThanOrEqual(expiresAt)
      const arn = task?.taskArn ?? ''
      const containers = await containersLabelled({ 'ecs.task-arn': arn })
      expect(containers.map((c) => c.State)).toEqual(['exited', 'exited'])
    })

    it('an AWS error names the input to fix, and nothing is left running', async () => {
      github.addPull({ number: 26, head: { ref: 'bad-subnet', sha: SHA1 } })
      const run = await preview(26, SHA1, 'opened', { subnets: 'subnet-00000000000000bad' })
      expect(run.exitCode).toBe(1)
      const error = run.commands.find((c) => c.command === 'error')?.message ?? ''
      expect(error).toContain("The subnet ID 'subnet-00000000000000bad' does not exist")
      expect(error).toContain("Check input 'subnets'.")
      expect(ours(26)[0]?.body).toMatch(/failed/)
      expect(tasksOf(26)).toEqual([])
    })

    it('a task that stops before it is ready is reported with each container', async () => {
      github.addPull({ number: 28, head: { ref: 'no-timer-image', sha: SHA1 } })
      const run = await preview(28, SHA1, 'opened', { 'timer-image': 'ephemera-absent:0' })
      expect(run.exitCode).toBe(1)
      const error = run.commands.find((c) => c.command === 'error')?.message ?? ''
      expect(error).toMatch(
        /did not get ready: the task stopped: CannotPullContainerError: .*ephemera-absent:0/,
      )
      expect(error).toContain('(TaskFailedToStart)')
      expect(error).toMatch(/timer did not run: CannotPullContainerError/)
      expect(ours(28)[0]?.body).toMatch(/failed/)
      expect(tasksOf(28).map((t) => t.lastStatus)).toEqual(['STOPPED'])
    })

    it('throttling and 5xx answers are retried with logged attempts, and the run succeeds', async () => {
      github.addPull({ number: 27, head: { ref: 'throttled', sha: SHA1 } })
      const start = ecs.calls.length
      ecs.inject({
        operation: 'ListTasks',
        status: 503,
        code: 'ServiceUnavailableException',
        times: 1,
      })
      ecs.inject({ operation: 'RunTask', status: 400, code: 'ThrottlingException', times: 2 })
      ecs.inject({ operation: 'DescribeTasks', status: 500, code: 'ServerException', times: 2 })
      ecs.inject({
        operation: 'DescribeNetworkInterfaces',
        status: 503,
        code: 'RequestLimitExceeded',
        times: 1,
      })
      const run = await preview(27, SHA1, 'opened')
      expect(run.exitCode, run.stdout + run.stderr).toBe(0)
      expect(run.stdout).toMatch(
        /ecs:RunTask failed on attempt 1 of 8 \(ThrottlingException: Rate exceeded\); retrying in \d+ ms/,
      )
      expect(run.stdout).toMatch(/ecs:RunTask failed on attempt 2 of 8/)
      expect(run.stdout).toMatch(/ec2:DescribeNetworkInterfaces failed on attempt 1 of 8/)
      const runTasks = ecs.calls.slice(start).filter((c) => c.operation === 'RunTask')
      expect(runTasks.map((c) => c.status)).toEqual([400, 400, 200])
      expect(tasksOf(27)).toHaveLength(1)
      const page = await httpGet(`${run.outputs.url}/site/index.html`, 2000)
      expect(page.status).toBe(200)
    })

    it('AWS_ENDPOINT_URL never redirected an ECS or EC2 call', () => {
      expect(trap.hits).toEqual([])
      expect(ecs.calls.length).toBeGreaterThan(20)
    })

    it('PR closed: finish stops its task and marks comment and deployment', async () => {
      github.closePull(21)
      const run = await finish(pullRequestEvent('closed', { repository, number: 21, sha: SHA2 }))
      expect(run.exitCode, run.stdout + run.stderr).toBe(0)
      expect(run.outputs).toMatchObject({ mode: 'teardown', removed: '1' })
      expect(live(21)).toEqual([])
      expect(ours(21)[0]?.body).toMatch(/was destroyed/)
      const [deployment] = github.deployments({ environment: 'preview/default/pr-21' })
      expect(deployment?.statuses.at(-1)?.state).toBe('inactive')
      expect(findLeaks(run, [github.tokens.job, ACCESS_KEY, SECRET_KEY])).toEqual([])
    })

    it('sweep stops only previews whose PR closed', async () => {
      github.closePull(24)
      const run = await finish({
        name: 'schedule',
        payload: { schedule: '*/30 * * * *', repository: { full_name: repository } },
      })
      expect(run.exitCode, run.stdout + run.stderr).toBe(0)
      expect(run.outputs).toMatchObject({ mode: 'sweep', removed: '1', kept: '3' })
      expect(live(24)).toEqual([])
      expect(live(22)).toHaveLength(1)
      expect(live(23)).toHaveLength(1)
      expect(live(27)).toHaveLength(1)
      expect(run.summary).toContain('PR #24 is no longer open')
    })

    it('teardown of the remaining PRs leaves no task running', async () => {
      for (const pr of [22, 23, 27]) {
        github.closePull(pr)
        const run = await finish(pullRequestEvent('closed', { repository, number: pr, sha: SHA1 }))
        expect(run.exitCode, run.stdout + run.stderr).toBe(0)
        expect(run.outputs.removed).toBe('1')
      }
      expect(ecs.tasks().filter((t) => t.lastStatus !== 'STOPPED')).toEqual([])
    })
  },
)
