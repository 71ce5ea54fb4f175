import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { GitHubApiError } from '../../src/github/api.js'
import { type GitHubServer, OTHER_BOT, startGitHubServer } from '../servers/github.js'
import { captureCoreOutput, createTestGitHubApi } from '../servers/github-client.js'

const HEAD = 'a'.repeat(40)
let server: GitHubServer
let repo: { owner: string; repo: string }

beforeEach(async () => {
  server = await startGitHubServer()
  repo = { owner: server.owner, repo: server.repo }
  server.addPull({ number: 7, head: { ref: 'feature', sha: HEAD } })
})

afterEach(async () => {
  await server.close()
})

async function apiError(promise: Promise<unknown>): Promise<GitHubApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof GitHubApiError)) throw new Error(`expected a GitHubApiError, got ${error}`)
  return error
}

describe('GitHubApi over the loopback server', () => {
  test('reads the PR context in one GraphQL call: own login, head and state', async () => {
    const api = createTestGitHubApi(server)
    server.closePull(7, { merged: true })

    expect(await api.getPullContext(repo, 7)).toEqual({
      viewerLogin: 'github-actions[bot]',
      headSha: HEAD,
      state: 'merged',
    })
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /graphql'])
  })

  test('an unknown PR in the GraphQL query is a 404', async () => {
    const error = await apiError(createTestGitHubApi(server).getPullContext(repo, 99))

    expect(error.status).toBe(404)
  })

  test('lists every comment across pages', async () => {
    for (let i = 0; i < 130; i++) server.addComment(7, `comment ${i}`)
    const comments = await createTestGitHubApi(server).listIssueComments(repo, 7)

    expect(comments).toHaveLength(130)
    expect(comments[129]).toMatchObject({ body: 'comment 129', authorLogin: 'octocat' })
    expect(server.requests).toHaveLength(2)
  })

  test('lists open PRs of a branch', async () => {
    server.addPull({ number: 8, head: { ref: 'other', sha: 'c'.repeat(40) } })
    const pulls = await createTestGitHubApi(server).listPulls(repo, {
      head: `${server.owner}:feature`,
    })

    expect(pulls).toEqual([
      {
        number: 7,
        state: 'open',
        headRef: 'feature',
        headSha: HEAD,
        htmlUrl: `${server.url}/${server.owner}/${server.repo}/pull/7`,
      },
    ])
  })
})

describe('errors', () => {
  test('a bad token names the input to change', async () => {
    const api = createTestGitHubApi(server, 'ghs_revoked')
    const error = await apiError(api.listIssueComments(repo, 7))

    expect(error.status).toBe(401)
    expect(error.message).toBe(
      `GitHub rejected the token on GET /repos/${server.owner}/${server.repo}/issues/7/comments (401 Bad credentials). Check the 'github-token' input: it must be a valid token, such as the job's GITHUB_TOKEN.`,
    )
  })

  test('a missing permission names the permission GitHub asks for', async () => {
    server.addToken('ghs_readonly', { account: OTHER_BOT, issues: 'read', pullRequests: 'read' })
    const api = createTestGitHubApi(server, 'ghs_readonly')
    const error = await apiError(api.createIssueComment(repo, 7, 'hello'))

    expect(error.status).toBe(403)
    expect(error.acceptedPermissions).toBe('issues=write; pull_requests=write')
    expect(error.message).toContain(
      'the token needs the permission issues=write; pull_requests=write',
    )
  })

  test('a 404 is not retried', async () => {
    await apiError(createTestGitHubApi(server).getPull(repo, 99))

    expect(server.requests).toHaveLength(1)
  })
})

describe('retries', () => {
  test('a secondary rate limit is retried after retry-after, logging the attempt', async () => {
    server.inject({ method: 'GET', path: /\/pulls\/7$/, status: 403, retryAfter: 2, times: 2 })
    const api = createTestGitHubApi(server)
    const { result, output } = await captureCoreOutput(() => api.getPull(repo, 7))

    expect(result.headSha).toBe(HEAD)
    expect(server.requests.map((r) => r.status)).toEqual([403, 403, 200])
    expect(output).toContain('secondary rate limit reached for GET /repos/')
    expect(output).toContain('on attempt 1; retrying in 2 s')
    expect(output).toContain('on attempt 2; retrying in 2 s')
  })

  test('a primary rate limit is retried once the reset time passes', async () => {
    server.inject({ path: /\/comments$/, status: 403, kind: 'rate-limit', retryAfter: 0 })
    const api = createTestGitHubApi(server)
    const { output } = await captureCoreOutput(() => api.createIssueComment(repo, 7, 'hi'))

    expect(server.comments(7)).toHaveLength(1)
    expect(output).toContain('rate limit reached for POST')
  })

  test('rate limits stop after the retry bound and fail with GitHub message', async () => {
    server.inject({ path: /\/pulls\/7$/, status: 403, retryAfter: 1, times: 10 })
    const api = createTestGitHubApi(server, undefined, { maxRetries: 2 })
    const { result: error, output } = await captureCoreOutput(() => apiError(api.getPull(repo, 7)))

    expect(server.requests).toHaveLength(3)
    expect(error.status).toBe(403)
    expect(error.githubMessage).toMatch(/^You have exceeded a secondary rate limit/)
    expect(output).toContain('::warning::GitHub secondary rate limit reached')
  })

  test('a retry-after longer than the bound fails at once', async () => {
    server.inject({ path: /\/pulls\/7$/, status: 403, retryAfter: 3600 })
    const api = createTestGitHubApi(server, undefined, { maxRetryAfterSeconds: 60 })
    await captureCoreOutput(() => apiError(api.getPull(repo, 7)))

    expect(server.requests).toHaveLength(1)
  })

  test.each([500, 502, 503] as const)('a %i answer is retried, then succeeds', async (status) => {
    server.inject({ method: 'GET', path: /\/pulls\/7$/, status, times: 2 })
    const pull = await createTestGitHubApi(server).getPull(repo, 7)

    expect(pull.number).toBe(7)
    expect(server.requests.map((r) => r.status)).toEqual([status, status, 200])
  })
})
