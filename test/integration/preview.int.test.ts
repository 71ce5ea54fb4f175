import { afterAll, beforeAll, expect, it } from 'vitest'
import { httpGet } from '../../src/container/probe.js'
import { containersLabelled, docker } from '../helpers/containers.js'
import { describeWithDocker } from '../helpers/docker.js'
import { pullRequestEvent } from '../helpers/events.js'
import { findLeaks, ROOT, runAction } from '../helpers/run-action.js'
import { type GitHubServer, startGitHubServer } from '../servers/github.js'

const SHA1 = 'a'.repeat(40)
const SHA2 = 'b'.repeat(40)
const DEPLOY = `node ${ROOT}/examples/static-site/deploy.mjs`

let github: GitHubServer
let repository: string

function previewInputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    engine: 'lite',
    network: 'host',
    'port-range': '4750-4799',
    deploy: DEPLOY,
    ...extra,
  }
}

function env(): Record<string, string> {
  return { GITHUB_API_URL: github.url, GITHUB_GRAPHQL_URL: `${github.url}/graphql` }
}

function ours(pr: number): Array<{ id: number; body: string }> {
  return github
    .comments(pr)
    .filter((c) => c.body.includes('<!-- ephemera:preview name="default" -->'))
}

async function preview(
  pr: number,
  sha: string,
  action = 'synchronize',
  inputs: Record<string, string> = {},
) {
  return runAction({
    action: 'preview',
    inputs: previewInputs(inputs),
    token: github.tokens.job,
    env: env(),
    event: pullRequestEvent(action, { repository, number: pr, sha }),
  })
}

async function finish(
  event: { name: string; payload: Record<string, unknown> },
  inputs: Record<string, string> = {},
) {
  return runAction({
    action: 'finish',
    inputs: { network: 'host', 'port-range': '4750-4799', ...inputs },
    token: github.tokens.job,
    env: env(),
    event,
  })
}

describeWithDocker('preview and finish on a Docker host (runner harness, loopback GitHub)', () => {
  beforeAll(async () => {
    github = await startGitHubServer()
    repository = `${github.owner}/${github.repo}`
  })

  afterAll(async () => {
    await github.close()
    expect(await containersLabelled({ 'ephemera.repository': repository })).toEqual([])
  })

  it('PR opened: launches, deploys the sample site, and posts one ready comment', async () => {
    github.addPull({ number: 12, head: { ref: 'feature', sha: SHA1 } })
    const run = await preview(12, SHA1, 'opened')
    expect(run.exitCode, run.stdout).toBe(0)
    const url = run.outputs.url ?? ''
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:47\d\d$/)
    expect(run.outputs).toMatchObject({ name: 'default' })
    expect(run.env.PREVIEW_URL).toBe(url)

    const page = await httpGet(`${url}/site/index.html`, 2000)
    expect(page.status).toBe(200)
    expect(page.body).toContain('Hello from an Ephemera preview')

    const comments = ours(12)
    expect(comments).toHaveLength(1)
    expect(comments[0]?.body).toContain(url)
    expect(comments[0]?.body).toContain('Sample site')
    expect(comments[0]?.body).toMatch(/is ready/)

    const [deployment] = github.deployments({ environment: 'preview/default/pr-12' })
    expect(deployment?.statuses.map((s) => s.state)).toEqual(['in_progress', 'success'])
    expect(deployment?.statuses.at(-1)?.environmentUrl).toBe(url)
    expect(deployment?.statuses.at(-1)?.logUrl).toContain(
      `/actions/runs/${run.jobEnv.GITHUB_RUN_ID}`,
    )

    const info = await docker.getContainer(run.outputs['instance-id'] ?? '').inspect()
    expect(info.Config.Labels).toMatchObject({
      'ephemera.tool': 'ephemera',
      'ephemera.repository': repository,
      'ephemera.pr': '12',
      'ephemera.name': 'default',
      'ephemera.sha': SHA1,
      'ephemera.run-id': run.jobEnv.GITHUB_RUN_ID,
      'ephemera.expires-at': run.outputs['expires-at'],
    })
    const reapers = await containersLabelled({
      'ephemera.tool': 'ephemera',
      'ephemera.role': 'reaper',
    })
    expect(reapers.map((c) => c.State)).toEqual(['running'])
    expect(findLeaks(run, [github.tokens.job])).toEqual([])
  })

  it('synchronize: reuses the healthy instance, extends it, and updates the same comment', async () => {
    const before = ours(12)
    const first = await containersLabelled({ 'ephemera.role': 'preview', 'ephemera.pr': '12' })
    github.pushPull(12, SHA2)
    const run = await preview(12, SHA2)
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs['instance-id']).toBe(first[0]?.Id)
    expect(run.stdout).toContain('Reusing instance')
    const after = ours(12)
    expect(after).toHaveLength(1)
    expect(after[0]?.id).toBe(before[0]?.id)
    expect(after[0]?.body).toContain(SHA2.slice(0, 7))
    // A lease carries the later expiry, since a running container's labels cannot change.
    const leases = await containersLabelled({ 'ephemera.role': 'lease', 'ephemera.pr': '12' })
    expect(leases.map((c) => c.Labels['ephemera.expires-at'])).toEqual([run.outputs['expires-at']])
    expect(leases[0]?.Labels['ephemera.lease-for']).toBe(first[0]?.Id)
  })

  it('a changed configuration replaces the instance', async () => {
    const old = await containersLabelled({ 'ephemera.role': 'preview', 'ephemera.pr': '12' })
    const run = await preview(12, SHA2, 'synchronize', { configuration: 'DEBUG=1' })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs['instance-id']).not.toBe(old[0]?.Id)
    const now = await containersLabelled({ 'ephemera.role': 'preview', 'ephemera.pr': '12' })
    expect(now.map((c) => c.Id)).toEqual([run.outputs['instance-id']])
    expect(await containersLabelled({ 'ephemera.role': 'lease', 'ephemera.pr': '12' })).toEqual([])
  })

  it('two overlapping runs leave one instance and one comment', async () => {
    github.addPull({ number: 13, head: { ref: 'race', sha: SHA1 } })
    const [a, b] = await Promise.all([preview(13, SHA1, 'opened'), preview(13, SHA1, 'opened')])
    expect(a.exitCode, a.stdout).toBe(0)
    expect(b.exitCode, b.stdout).toBe(0)
    const instances = await containersLabelled({ 'ephemera.role': 'preview', 'ephemera.pr': '13' })
    expect(instances).toHaveLength(1)
    expect(ours(13)).toHaveLength(1)
  })

  it('a failing deploy shows the failed state with the output tail', async () => {
    github.addPull({ number: 14, head: { ref: 'broken', sha: SHA1 } })
    const run = await preview(14, SHA1, 'opened', {
      deploy: 'echo "creating stack"\necho "stack rollback: bucket policy invalid" >&2\nexit 3',
    })
    expect(run.exitCode).toBe(1)
    expect(run.commands.find((c) => c.command === 'error')?.message).toMatch(
      /input 'deploy'\) exited with code 3/,
    )
    const [comment] = ours(14)
    expect(comment?.body).toMatch(/failed to deploy/)
    expect(comment?.body).toContain('stack rollback: bucket policy invalid')
    const [deployment] = github.deployments({ environment: 'preview/default/pr-14' })
    expect(deployment?.statuses.at(-1)?.state).toBe('failure')
  })

  it('PR closed: finish tears its previews down and marks comment and deployment', async () => {
    github.closePull(12)
    const run = await finish(pullRequestEvent('closed', { repository, number: 12, sha: SHA2 }))
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs).toMatchObject({ mode: 'teardown', removed: '1' })
    expect(await containersLabelled({ 'ephemera.pr': '12' })).toEqual([])
    expect(ours(12)[0]?.body).toMatch(/was destroyed/)
    const [deployment] = github.deployments({ environment: 'preview/default/pr-12' })
    expect(deployment?.statuses.at(-1)?.state).toBe('inactive')
  })

  it('sweep removes only previews whose PR closed or whose time is up', async () => {
    github.closePull(14)
    const run = await finish({
      name: 'schedule',
      payload: { schedule: '*/30 * * * *', repository: { full_name: repository } },
    })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs).toMatchObject({ mode: 'sweep', removed: '1', kept: '1' })
    expect(await containersLabelled({ 'ephemera.pr': '14' })).toEqual([])
    expect(
      await containersLabelled({ 'ephemera.role': 'preview', 'ephemera.pr': '13' }),
    ).toHaveLength(1)
    expect(run.summary).toContain('PR #14 is no longer open')
    expect(ours(14)[0]?.body).toMatch(/was destroyed/)
    expect(ours(14)[0]?.body).toContain('Removed by a sweep: PR \\#14 is no longer open.')
    expect(run.summary).toContain('kept')
  })

  it('an instance removes itself at expiry even when no finish runs', async () => {
    github.addPull({ number: 15, head: { ref: 'short', sha: SHA1 } })
    const run = await preview(15, SHA1, 'opened', { lifetime: '0.2', deploy: '' })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(await containersLabelled({ 'ephemera.pr': '15' })).not.toEqual([])
    const deadline = Date.now() + 30_000
    while (
      Date.now() < deadline &&
      (await containersLabelled({ 'ephemera.pr': '15' })).length > 0
    ) {
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    expect(await containersLabelled({ 'ephemera.pr': '15' })).toEqual([])
  })

  it('a fork PR is skipped with a notice that explains workflow_run', async () => {
    const event = pullRequestEvent('opened', {
      repository,
      number: 16,
      sha: SHA1,
      fork: 'someone/app',
    })
    const run = await runAction({
      action: 'preview',
      inputs: previewInputs(),
      token: github.tokens.job,
      env: env(),
      event,
    })
    expect(run.exitCode).toBe(0)
    expect(run.commands.find((c) => c.command === 'notice')?.message).toMatch(
      /fork someone\/app.*workflow_run/,
    )
    expect(await containersLabelled({ 'ephemera.pr': '16' })).toEqual([])
  })

  it('teardown of the last PR leaves nothing running; the reaper then exits by itself', async () => {
    github.closePull(13)
    const run = await finish(pullRequestEvent('closed', { repository, number: 13, sha: SHA1 }))
    expect(run.exitCode, run.stdout).toBe(0)
    expect(await containersLabelled({ 'ephemera.repository': repository })).toEqual([])
    const deadline = Date.now() + 30_000
    while (
      Date.now() < deadline &&
      (await containersLabelled({ 'ephemera.tool': 'ephemera' })).length > 0
    ) {
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    expect(await containersLabelled({ 'ephemera.tool': 'ephemera' })).toEqual([])
  })
})
