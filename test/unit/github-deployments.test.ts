import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { GitHubApi } from '../../src/github/api.js'
import {
  completePreviewDeployment,
  deactivatePreviewDeployments,
  findPreviewDeployment,
  previewEnvironment,
  startPreviewDeployment,
} from '../../src/github/deployments.js'
import { type GitHubServer, OTHER_BOT, startGitHubServer } from '../servers/github.js'
import { captureCoreOutput, createTestGitHubApi } from '../servers/github-client.js'

const HEAD = 'a'.repeat(40)
const NEXT = 'b'.repeat(40)
let server: GitHubServer
let api: GitHubApi
let target: { repo: { owner: string; repo: string }; name: string; pull: number }
const LOG = 'https://github.example/o/r/actions/runs/5'

beforeEach(async () => {
  server = await startGitHubServer()
  server.addPull({ number: 7, head: { ref: 'feature', sha: HEAD } })
  api = createTestGitHubApi(server)
  target = { repo: { owner: server.owner, repo: server.repo }, name: 'web', pull: 7 }
})

afterEach(async () => {
  await server.close()
})

function callsSince(index: number): string[] {
  return server.requests
    .slice(index)
    .map((r) => `${r.method} ${r.path.replace(/^.*\/deployments/, 'deployments')}`)
}

function states(deploymentId: number): string[] {
  const d = server.deployments().find((x) => x.id === deploymentId)
  return d?.statuses.map((s) => s.state) ?? []
}

describe('preview deployments', () => {
  test('start creates a transient deployment in progress in two calls', async () => {
    const { result: started } = await captureCoreOutput(() =>
      startPreviewDeployment(api, { ...target, sha: HEAD, logUrl: LOG }),
    )

    expect(started).toEqual({ id: expect.any(Number), environment: 'preview/web/pr-7' })
    expect(callsSince(0)).toEqual(['POST deployments', `POST deployments/${started?.id}/statuses`])
    expect(server.requests[0]?.body).toEqual({
      ref: HEAD,
      environment: 'preview/web/pr-7',
      description: "Ephemera preview 'web' for PR #7",
      transient_environment: true,
      production_environment: false,
      payload: { ephemera: { name: 'web', pull: 7 } },
      auto_merge: false,
      required_contexts: [],
    })
    const status = server.deployments()[0]?.statuses[0]
    expect(status).toMatchObject({ state: 'in_progress', logUrl: LOG })
  })

  test.each([
    { outcome: 'success', url: 'https://pr-7.example/', expected: 'success' },
    { outcome: 'failure', url: undefined, expected: 'failure' },
  ] as const)(
    'complete with $outcome is one call carrying the URLs',
    async ({ outcome, url, expected }) => {
      const { result: started } = await captureCoreOutput(() =>
        startPreviewDeployment(api, { ...target, sha: HEAD, logUrl: LOG }),
      )
      const id = started?.id ?? 0
      const before = server.requests.length

      const done = await completePreviewDeployment(api, {
        repo: target.repo,
        name: 'web',
        deploymentId: id,
        outcome,
        logUrl: LOG,
        ...(url ? { environmentUrl: url } : {}),
      })

      expect(done).toBe(true)
      expect(callsSince(before)).toEqual([`POST deployments/${id}/statuses`])
      expect(server.deployments()[0]?.statuses.at(-1)).toMatchObject({
        state: expected,
        environmentUrl: url ?? '',
        logUrl: LOG,
      })
    },
  )

  test('find locates the newest deployment of a commit in one call', async () => {
    await captureCoreOutput(async () => {
      await startPreviewDeployment(api, { ...target, sha: HEAD, logUrl: LOG })
      await startPreviewDeployment(api, { ...target, name: 'api', sha: HEAD, logUrl: LOG })
    })
    const { result: newest } = await captureCoreOutput(() =>
      startPreviewDeployment(api, { ...target, sha: HEAD, logUrl: LOG }),
    )
    const before = server.requests.length

    const found = await findPreviewDeployment(api, { ...target, sha: HEAD })

    expect(found).toEqual(newest)
    expect(callsSince(before)).toHaveLength(1)
    expect(await findPreviewDeployment(api, { ...target, sha: NEXT })).toBeUndefined()
  })

  test('the whole life: in progress, success, a new push, teardown marks all inactive', async () => {
    server.pushPull(7, HEAD)
    const { result: first } = await captureCoreOutput(async () => {
      const d = await startPreviewDeployment(api, { ...target, sha: HEAD, logUrl: LOG })
      await completePreviewDeployment(api, {
        ...target,
        deploymentId: d?.id ?? 0,
        outcome: 'success',
        environmentUrl: 'https://a.example/',
        logUrl: LOG,
      })
      return d
    })
    server.pushPull(7, NEXT)
    const { result: second } = await captureCoreOutput(async () => {
      const d = await startPreviewDeployment(api, { ...target, sha: NEXT, logUrl: LOG })
      await completePreviewDeployment(api, {
        ...target,
        deploymentId: d?.id ?? 0,
        outcome: 'success',
        environmentUrl: 'https://b.example/',
        logUrl: LOG,
      })
      return d
    })
    const other = await captureCoreOutput(() =>
      startPreviewDeployment(api, { ...target, pull: 8, sha: NEXT, logUrl: LOG }),
    )

    const { result: count } = await captureCoreOutput(() =>
      deactivatePreviewDeployments(api, target),
    )

    expect(count).toBe(2)
    expect(states(first?.id ?? 0)).toEqual(['in_progress', 'success', 'inactive'])
    expect(states(second?.id ?? 0)).toEqual(['in_progress', 'success', 'inactive'])
    expect(states(other.result?.id ?? 0)).toEqual(['in_progress'])
  })

  test('teardown without deployments does nothing but list', async () => {
    const count = await deactivatePreviewDeployments(api, target)

    expect(count).toBe(0)
    expect(callsSince(0)).toEqual(['GET deployments'])
  })

  test('environments differ per preview and per PR', () => {
    expect(
      new Set([
        previewEnvironment('web', 7),
        previewEnvironment('web', 8),
        previewEnvironment('api', 7),
      ]).size,
    ).toBe(3)
  })
})

describe('a token without the deployments permission', () => {
  beforeEach(() => {
    server.addToken('ghs_nodeploy', { account: OTHER_BOT, deployments: 'none' })
    api = createTestGitHubApi(server, 'ghs_nodeploy')
  })

  test.each<{ step: string; run: () => Promise<unknown>; skipped: unknown }>([
    {
      step: 'start',
      run: () => startPreviewDeployment(api, { ...target, sha: HEAD, logUrl: LOG }),
      skipped: undefined,
    },
    {
      step: 'find',
      run: () => findPreviewDeployment(api, { ...target, sha: HEAD }),
      skipped: undefined,
    },
    {
      step: 'complete',
      run: () =>
        completePreviewDeployment(api, {
          ...target,
          deploymentId: 1,
          outcome: 'success',
          logUrl: LOG,
        }),
      skipped: false,
    },
    { step: 'teardown', run: () => deactivatePreviewDeployments(api, target), skipped: 0 },
  ])(
    '$step becomes a warning naming deployments: write, not a failure',
    async ({ run, skipped }) => {
      const { result, output } = await captureCoreOutput(run)

      expect(result).toBe(skipped)
      expect(output).toContain("::warning::Skipping the GitHub deployment of preview 'web'")
      expect(output).toContain("Add 'deployments: write' under 'permissions:'")
      expect(server.deployments()).toHaveLength(0)
    },
  )

  test('other failures still throw', async () => {
    const error = await startPreviewDeployment(createTestGitHubApi(server, 'ghs_gone'), {
      ...target,
      sha: HEAD,
      logUrl: LOG,
    }).then(
      () => undefined,
      (e: unknown) => e,
    )

    expect((error as { status?: number }).status).toBe(401)
  })
})
