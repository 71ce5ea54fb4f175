// GitHub calls and latency of a preview update, and the cost of a sweep, on the real engine and
// the loopback GitHub server. Run through `npm run bench`.
import Docker from 'dockerode'
import { LITE_IMAGE } from '../src/container/lite-image.js'
import { gitHubFor } from '../src/entry/context.js'
import { createGitHubReporter } from '../src/preview/github-reporter.js'
import type { PreviewReport } from '../src/preview/report.js'
import { runAction } from '../test/helpers/run-action.js'
import { startGitHubServer } from '../test/servers/github.js'
import type { Measurement } from './lite.js'

const docker = new Docker()
const SHA = 'c'.repeat(40)

/** Calls and time of each report of one preview update (deploying, then ready). */
export async function benchPreviewUpdate(): Promise<Measurement[]> {
  const github = await startGitHubServer()
  try {
    const repo = { owner: github.owner, repo: github.repo }
    github.addPull({ number: 7, head: { ref: 'feature', sha: SHA } })
    // The client exactly as the preview bundle builds it.
    const api = gitHubFor(github.tokens.job, { GITHUB_API_URL: github.url })
    if (!api) throw new Error('no GitHub client')
    const run = { id: 42, attempt: 1, url: `${github.url}/run/42` }
    const reporter = createGitHubReporter(api, {
      repo,
      run,
      comment: true,
      deployment: true,
      secrets: [],
    })
    const key = { repository: `${repo.owner}/${repo.repo}`, pr: 7, name: 'default' }
    const base: PreviewReport = {
      state: 'deploying',
      key,
      sha: SHA,
      runUrl: run.url,
      expiresAt: new Date(Date.now() + 3600_000),
    }
    // The first run creates the comment; what follows is the steady state of every later run.
    await reporter.report(base)
    await reporter.report({ ...base, state: 'ready', url: 'http://127.0.0.1:4600' })
    const count = async (report: PreviewReport) => {
      const before = github.requests.length
      const started = performance.now()
      await reporter.report(report)
      const calls = github.requests.slice(before)
      return {
        ms: performance.now() - started,
        comment: calls.filter((c) => c.path.includes('/issues/') || c.path.endsWith('/graphql'))
          .length,
        deployment: calls.filter((c) => c.path.includes('/deployments')).length,
      }
    }
    const deploying = await count(base)
    const ready = await count({ ...base, state: 'ready', url: 'http://127.0.0.1:4600' })
    return [
      {
        name: 'GitHub calls, comment, per update (deploying)',
        value: deploying.comment,
        unit: 'calls',
        target: 3,
      },
      {
        name: 'GitHub calls, deployment, per update (deploying)',
        value: deploying.deployment,
        unit: 'calls',
        target: 2,
      },
      {
        name: 'GitHub calls, comment, per update (ready)',
        value: ready.comment,
        unit: 'calls',
        target: 3,
      },
      {
        name: 'GitHub calls, deployment, per update (ready)',
        value: ready.deployment,
        unit: 'calls',
        target: 2,
      },
      {
        name: 'instance ready to comment posted',
        value: Math.round(ready.ms),
        unit: 'ms',
        target: 1000,
      },
    ]
  } finally {
    await github.close()
  }
}

/** Creates `n` previews of one repository that expired an hour ago, each with a lease. */
async function seedExpired(repository: string, n: number): Promise<void> {
  const expired = new Date(Date.now() - 3600_000).toISOString()
  const queue = Array.from({ length: n }, (_, i) => i + 1)
  const worker = async () => {
    for (let pr = queue.shift(); pr !== undefined; pr = queue.shift()) {
      const labels = {
        'ephemera.tool': 'ephemera',
        'ephemera.repository': repository,
        'ephemera.pr': String(pr),
        'ephemera.name': 'default',
        'ephemera.engine': 'lite',
        'ephemera.expires-at': expired,
        'ephemera.test': '1',
      }
      const preview = await docker.createContainer({
        Image: LITE_IMAGE,
        // An idle process stands in for the emulator: 200 emulators would not fit in memory.
        Cmd: ['/usr/local/bin/node', '--max-old-space-size=16', '-e', 'setInterval(() => {}, 1e9)'],
        Labels: { ...labels, 'ephemera.role': 'preview', 'ephemera.port': String(20000 + pr) },
        HostConfig: { NetworkMode: 'host', Init: true },
      })
      await preview.start()
      // A lease, as a rerun that reused the preview leaves: created, never started.
      await docker.createContainer({
        Image: LITE_IMAGE,
        Labels: { ...labels, 'ephemera.role': 'lease', 'ephemera.lease-for': preview.id },
        HostConfig: { NetworkMode: 'host' },
      })
    }
  }
  await Promise.all(Array.from({ length: 6 }, worker))
}

/** Wall time of a sweep (the finish bundle through the harness) over `n` expired previews. */
async function timeSweep(n: number): Promise<number> {
  const github = await startGitHubServer({ owner: 'bench', repo: `sweep-${n}` })
  const repository = `${github.owner}/${github.repo}`
  try {
    // A host reaper left by an earlier run would remove these expired previews itself, racing
    // the sweep being measured.
    const reapers = await docker.listContainers({
      all: true,
      filters: { label: ['ephemera.role=reaper'] },
    })
    await Promise.all(reapers.map((c) => docker.getContainer(c.Id).remove({ force: true })))
    await seedExpired(repository, n)
    const run = await runAction({
      action: 'finish',
      inputs: { mode: 'sweep', network: 'host' },
      token: github.tokens.job,
      env: { GITHUB_API_URL: github.url, GITHUB_GRAPHQL_URL: `${github.url}/graphql` },
      event: { name: 'schedule', payload: { repository: { full_name: repository } } },
      timeoutMs: 300_000,
    })
    if (run.exitCode !== 0 || run.outputs.removed !== String(n)) {
      throw new Error(`sweep of ${n} did not remove them all:\n${run.stdout.slice(-2000)}`)
    }
    return run.ms
  } finally {
    await github.close()
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`ephemera.repository=${repository}`] },
    })
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true })))
  }
}

export async function benchSweep(): Promise<Measurement[]> {
  const small = await timeSweep(50)
  const large = await timeSweep(200)
  return [
    { name: 'sweep of 50 expired previews', value: Math.round(small), unit: 'ms' },
    { name: 'sweep of 200 expired previews', value: Math.round(large), unit: 'ms', target: 10_000 },
    {
      name: 'sweep growth, 200 vs 50 (4x the previews)',
      value: Math.round((large / small) * 100) / 100,
      unit: 'x',
    },
  ]
}
