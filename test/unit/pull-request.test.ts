import { describe, expect, it } from 'vitest'
import { resolvePullRequest } from '../../src/preview/pull-request.js'
import { fakePulls, pullSummary } from '../fakes/github.js'
import { exampleEvent, pullRequestEvent } from '../helpers/events.js'

const repo = { owner: 'acme', repo: 'shop' }

describe('resolvePullRequest', () => {
  it('reads the PR of a pull_request event without calling GitHub', async () => {
    const github = fakePulls([])
    const event = pullRequestEvent('opened', {
      repository: 'acme/shop',
      number: 8,
      sha: 'a'.repeat(40),
      ref: 'feat',
    })
    const resolved = await resolvePullRequest(event.name, event.payload, undefined, repo, github)
    expect(resolved).toEqual({
      kind: 'pull',
      pull: { number: 8, headSha: 'a'.repeat(40), headRef: 'feat', state: 'open' },
    })
    expect(github.calls).toEqual([])
  })

  it('accepts a fork PR on pull_request_target, where secrets are available', async () => {
    const event = pullRequestEvent('opened', {
      repository: 'acme/shop',
      number: 8,
      sha: 'a',
      fork: 'x/shop',
    })
    const resolved = await resolvePullRequest(
      'pull_request_target',
      event.payload,
      undefined,
      repo,
      undefined,
    )
    expect(resolved.kind).toBe('pull')
  })

  it('uses the PR a workflow_run lists', async () => {
    const github = fakePulls([pullSummary(21)])
    const payload = exampleEvent('workflow_run', 'completed')
    ;(payload.workflow_run as Record<string, unknown>).pull_requests = [{ number: 21 }]
    const resolved = await resolvePullRequest('workflow_run', payload, undefined, repo, github)
    expect(resolved).toMatchObject({ kind: 'pull', pull: { number: 21 } })
  })

  it('finds the PR of a workflow_run from a fork by its head branch', async () => {
    const github = fakePulls([pullSummary(30, { headRef: 'fix-typo', headSha: 'd'.repeat(40) })])
    const payload = exampleEvent('workflow_run', 'completed')
    Object.assign(payload.workflow_run as Record<string, unknown>, {
      pull_requests: [],
      head_branch: 'fix-typo',
      head_sha: 'd'.repeat(40),
      head_repository: { owner: { login: 'contributor' } },
    })
    const resolved = await resolvePullRequest('workflow_run', payload, undefined, repo, github)
    expect(resolved).toMatchObject({ kind: 'pull', pull: { number: 30, headSha: 'd'.repeat(40) } })
    expect(github.calls).toEqual(['listPulls {"state":"open","head":"contributor:fix-typo"}'])
  })

  it('looks up the PR named by pr-number', async () => {
    const github = fakePulls([pullSummary(4)])
    const resolved = await resolvePullRequest('workflow_dispatch', {}, 4, repo, github)
    expect(resolved).toMatchObject({ kind: 'pull', pull: { number: 4 } })
  })

  it.each([
    ['workflow_dispatch', /Input 'pr-number' is empty; a workflow_dispatch run must say which PR/],
    [
      'push',
      /preview runs on pull_request, pull_request_target, workflow_run, or workflow_dispatch with 'pr-number'; this run is a 'push' event/,
    ],
  ])('explains what %s needs', async (name, message) => {
    await expect(resolvePullRequest(name, {}, undefined, repo, fakePulls([]))).rejects.toThrow(
      message,
    )
  })
})
