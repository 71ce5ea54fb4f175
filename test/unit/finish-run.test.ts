import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { runFinish } from '../../src/finish/run.js'
import { modeFromEvent, readFinishInputs } from '../../src/inputs/finish.js'
import { FakeClock } from '../fakes/clock.js'
import { fakePulls, pullSummary } from '../fakes/github.js'
import { FakeProvider } from '../fakes/provider.js'
import { RecordingReporter } from '../fakes/reporter.js'
import { pullRequestEvent } from '../helpers/events.js'
import { stubInputs } from '../helpers/inputs.js'

const REPO = 'acme/shop'
const NOW = Date.parse('2026-12-01T10:00:00Z')
let stdout = ''

beforeEach(() => {
  stdout = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk)
    return true
  })
})
afterEach(() => {
  vi.unstubAllEnvs()
  vi.restoreAllMocks()
})

const env = { GITHUB_REPOSITORY: REPO, GITHUB_RUN_ID: '7', GITHUB_SHA: 'e'.repeat(40) }
const key = (pr: number, name = 'default') => ({ repository: REPO, pr, name })

function world(
  event: { name: string; payload: Record<string, unknown> },
  inputs: Record<string, string> = {},
) {
  stubInputs('finish', inputs)
  const provider = new FakeProvider()
  const reporter = new RecordingReporter()
  const github = fakePulls([pullSummary(1), pullSummary(2), pullSummary(3, { state: 'closed' })])
  return {
    provider,
    reporter,
    github,
    inputs: readFinishInputs(event, {}),
    deps: { provider, reporter, github, env, event, clock: new FakeClock(NOW) },
  }
}

describe('modeFromEvent', () => {
  it.each([
    ['pull_request', 'closed', 'teardown'],
    ['pull_request_target', 'closed', 'teardown'],
    ['pull_request', 'synchronize', 'finalize'],
    ['schedule', undefined, 'sweep'],
    ['workflow_run', 'completed', 'finalize'],
  ])('%s %s -> %s', (name, action, mode) => {
    expect(modeFromEvent({ name, payload: action ? { action } : {} })).toBe(mode)
  })
})

describe('runFinish', () => {
  it('sweep removes expired previews and those of PRs no longer open, keeps the rest', async () => {
    const { provider, reporter, inputs, deps, github } = world({ name: 'schedule', payload: {} })
    provider.seed({ id: 'open', key: key(1) })
    provider.seed({ id: 'expired', key: key(2), expiresAt: new Date(NOW - 1000) })
    provider.seed({ id: 'closed', key: key(3) })
    provider.seed({ id: 'gone', key: key(4) })
    const result = await runFinish(inputs, deps)
    expect(result).toMatchObject({ removed: 3, kept: 1 })
    expect([...provider.instances.keys()]).toEqual(['open'])
    const why = Object.fromEntries(result.decisions.map((d) => [d.instance.id, d.reason]))
    expect(why).toMatchObject({
      expired: 'expired at 2026-12-01T09:59:59.000Z',
      closed: 'PR #3 is no longer open',
      gone: 'PR #4 is no longer open',
    })
    // PR states come from one listing of open PRs, not one call per instance.
    expect(github.calls).toEqual(['listPulls {"state":"open"}'])
    // The comments of previews whose PR closed are marked as teardown would have.
    expect(reporter.reports.map((r) => `${r.state} #${r.key.pr} ${r.message}`).sort()).toEqual([
      'destroyed #3 Removed by a sweep: PR #3 is no longer open.',
      'destroyed #4 Removed by a sweep: PR #4 is no longer open.',
    ])
  })

  it('sweep with dry-run removes nothing and says what it would remove', async () => {
    const { provider, inputs, deps } = world(
      { name: 'schedule', payload: {} },
      { 'dry-run': 'true' },
    )
    provider.seed({ id: 'closed', key: key(3) })
    const result = await runFinish(inputs, deps)
    expect(result.decisions.map((d) => d.action)).toEqual(['would remove'])
    expect(provider.instances.size).toBe(1)
  })

  it('sweep without a token removes expired previews only, with a warning', async () => {
    const { provider, inputs, deps } = world({ name: 'schedule', payload: {} })
    provider.seed({ id: 'closed', key: key(3) })
    provider.seed({ id: 'expired', key: key(2), expiresAt: new Date(NOW - 1) })
    const result = await runFinish(inputs, { ...deps, github: undefined })
    expect(result.removed).toBe(1)
    expect(stdout).toMatch(/::warning::Input 'github-token' is empty, so PR states cannot be read/)
  })

  it('teardown removes every preview of the closed PR and marks each comment destroyed', async () => {
    const event = pullRequestEvent('closed', { repository: REPO, number: 3, sha: 'c'.repeat(40) })
    const { provider, reporter, inputs, deps } = world(event)
    provider.seed({ id: 'a', key: key(3, 'default') })
    provider.seed({ id: 'b', key: key(3, 'docs') })
    provider.seed({ id: 'other', key: key(1) })
    const result = await runFinish(inputs, deps)
    expect(result.removed).toBe(2)
    expect([...provider.instances.keys()]).toEqual(['other'])
    expect(reporter.reports.map((r) => `${r.state} ${r.key.name}`).sort()).toEqual([
      'destroyed default',
      'destroyed docs',
    ])
  })

  it('finalize marks a healthy preview ready with the job status, or failed when none runs', async () => {
    const event = pullRequestEvent('synchronize', {
      repository: REPO,
      number: 1,
      sha: 'a'.repeat(40),
    })
    const ok = world(event, { status: 'failure' })
    ok.provider.seed({ id: 'a', key: key(1) })
    await runFinish(ok.inputs, ok.deps)
    expect(ok.reporter.reports[0]).toMatchObject({
      state: 'ready',
      message: 'The workflow finished: failure.',
    })

    const none = world(event, { status: 'cancelled' })
    await runFinish(none.inputs, none.deps)
    expect(none.reporter.reports[0]).toMatchObject({
      state: 'failed',
      message: 'The workflow ended (cancelled) without a running preview.',
    })
  })

  it('finalize without a status names the input and the expression to use', () => {
    stubInputs('finish', {})
    expect(() =>
      readFinishInputs(
        pullRequestEvent('synchronize', { repository: REPO, number: 1, sha: 'a' }),
        {},
      ),
    ).toThrow(
      /Input 'status' is empty; mode 'finalize' needs the job's status: status: \$\{\{ job.status \}\}/,
    )
  })
})
