import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { readPreviewInputs } from '../../src/inputs/preview.js'
import { configHash, runPreview } from '../../src/preview/run.js'
import { FakeClock } from '../fakes/clock.js'
import { fakePulls, pullSummary } from '../fakes/github.js'
import { FakeProvider } from '../fakes/provider.js'
import { RecordingReporter } from '../fakes/reporter.js'
import { pullRequestEvent } from '../helpers/events.js'
import { stubInputs } from '../helpers/inputs.js'
import { scratchDir } from '../helpers/run-action.js'

const REPO = 'acme/shop'
let stdout = ''
let dir = ''

beforeEach(() => {
  stdout = ''
  dir = scratchDir('preview-run')
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk)
    return true
  })
})
afterEach(() => {
  vi.unstubAllEnvs()
  vi.restoreAllMocks()
})

function setup(
  inputs: Record<string, string> = {},
  pulls = [pullSummary(5, { headSha: 'a'.repeat(40) })],
) {
  stubInputs('preview', { engine: 'lite', ...inputs })
  const provider = new FakeProvider()
  const reporter = new RecordingReporter()
  const github = fakePulls(pulls)
  const deps = {
    provider,
    reporter,
    github,
    clock: new FakeClock(Date.parse('2026-12-01T10:00:00Z')),
    env: {
      GITHUB_REPOSITORY: REPO,
      GITHUB_RUN_ID: '99',
      GITHUB_SERVER_URL: 'https://github.com',
      RUNNER_TEMP: dir,
      GITHUB_WORKSPACE: dir,
    },
    event: pullRequestEvent('synchronize', { repository: REPO, number: 5, sha: 'a'.repeat(40) }),
  }
  return { provider, reporter, github, deps, inputs: readPreviewInputs({}) }
}

describe('runPreview', () => {
  it('launches, waits, deploys from a script file with the preview environment, and reports ready', async () => {
    const out = join(dir, 'seen')
    const { provider, reporter, deps, inputs } = setup({
      deploy: `echo "$AWS_ENDPOINT_URL|$PREVIEW_URL|$PREVIEW_PR|$PREVIEW_NAME|$AWS_ACCESS_KEY_ID" > ${out}\necho "Docs=https://docs.example.com/5" >> "$PREVIEW_LINKS_FILE"`,
      lifetime: '30',
    })
    const outcome = await runPreview(inputs, deps)
    expect(outcome).toMatchObject({ kind: 'ready', reused: false })
    expect(readFileSync(out, 'utf8').trim()).toBe(
      'http://127.0.0.1:4602|https://i-1.previews.test|5|default|test',
    )
    expect(reporter.states()).toEqual(['deploying', 'ready'])
    expect(reporter.reports[1]).toMatchObject({
      url: 'https://i-1.previews.test',
      links: [{ label: 'Docs', url: 'https://docs.example.com/5' }],
      expiresAt: new Date('2026-12-01T10:30:00Z'),
      runUrl: 'https://github.com/acme/shop/actions/runs/99',
    })
    expect(provider.calls).toEqual(['launch 5/default'])
    // The script and links files are gone once it ran.
    expect(readdirSync(dir).filter((f) => f.startsWith('ephemera-deploy-'))).toEqual([])
  })

  it('reuses a healthy instance with the same configuration and extends it', async () => {
    const { provider, reporter, deps, inputs } = setup()
    provider.seed({
      id: 'old',
      key: { repository: REPO, pr: 5, name: 'default' },
      configHash: configHash(inputs),
    })
    const outcome = await runPreview(inputs, deps)
    expect(outcome).toMatchObject({ kind: 'ready', reused: true, instance: { id: 'old' } })
    expect(provider.calls).toEqual(['extend old'])
    expect(reporter.states()).toEqual(['deploying', 'ready'])
  })

  it('replaces an instance whose configuration changed', async () => {
    const { provider, deps, inputs } = setup({ configuration: 'DEBUG=1' })
    provider.seed({
      id: 'old',
      key: { repository: REPO, pr: 5, name: 'default' },
      configHash: 'other',
    })
    await runPreview(inputs, deps)
    expect(provider.calls).toEqual([
      'destroy old (its image or configuration changed)',
      'launch 5/default',
    ])
  })

  it('reports failed with the logs and removes an instance that never gets ready', async () => {
    const { provider, reporter, deps, inputs } = setup()
    provider.readyResult = {
      ready: false,
      ms: 300_000,
      reason: 'not ready after 300 s; last seen: services s3=error',
      logs: 'boot failed: no space',
    }
    await expect(runPreview(inputs, deps)).rejects.toThrow(
      /did not get ready: .*s3=error\. Raise 'wait-timeout'/,
    )
    expect(reporter.states()).toEqual(['deploying', 'failed'])
    expect(reporter.reports[1]?.instanceLogs).toBe('boot failed: no space')
    expect(provider.instances.size).toBe(0)
  })

  it('reports failed with the output tail when deploy fails, keeping the instance until expiry', async () => {
    const { provider, reporter, deps, inputs } = setup({
      deploy: 'echo "uploading"\necho "AccessDenied: s3:PutObject" >&2\nexit 4',
    })
    await expect(runPreview(inputs, deps)).rejects.toThrow(/input 'deploy'\) exited with code 4/)
    expect(reporter.states()).toEqual(['deploying', 'failed'])
    expect(reporter.reports[1]?.deployOutput).toContain('AccessDenied: s3:PutObject')
    expect(reporter.reports[1]?.instanceLogs).toContain('emulator: listening')
    expect(provider.instances.size).toBe(1)
  })

  it('never leaves the comment at deploying when launching throws', async () => {
    const { provider, reporter, deps, inputs } = setup()
    provider.failLaunch = new Error('Every port in the range is in use')
    await expect(runPreview(inputs, deps)).rejects.toThrow('Every port')
    expect(reporter.states()).toEqual(['deploying', 'failed'])
    expect(reporter.reports[1]?.message).toBe('Every port in the range is in use')
  })

  it('removes what it built when the PR closed while deploying', async () => {
    const closed = [pullSummary(5, { state: 'closed' })]
    const { provider, reporter, deps, inputs } = setup({}, closed)
    const outcome = await runPreview(inputs, deps)
    expect(outcome).toEqual({ kind: 'closed', pr: 5 })
    expect(provider.instances.size).toBe(0)
    expect(reporter.states()).toEqual(['deploying', 'destroyed'])
  })

  it('skips a fork PR on pull_request with a notice, launching nothing', async () => {
    const { provider, reporter, deps, inputs } = setup()
    deps.event = pullRequestEvent('opened', {
      repository: REPO,
      number: 5,
      sha: 'a'.repeat(40),
      fork: 'mallory/shop',
    })
    expect(await runPreview(inputs, deps)).toMatchObject({ kind: 'skipped' })
    expect(stdout).toMatch(
      /::notice::Preview skipped: PR #5 comes from the fork mallory\/shop\..*workflow_run/,
    )
    expect(provider.calls).toEqual([])
    expect(reporter.reports).toEqual([])
  })
})

describe('configHash', () => {
  it('ignores the order of configuration entries and changes with the image', () => {
    stubInputs('preview', { engine: 'lite' })
    const base = readPreviewInputs({})
    const a = configHash({ ...base, configuration: { A: '1', B: '2' } })
    const b = configHash({ ...base, configuration: { B: '2', A: '1' } })
    expect(a).toBe(b)
    expect(configHash({ ...base, image: 'other:1' })).not.toBe(a)
  })
})
