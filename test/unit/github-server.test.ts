import { Octokit } from '@octokit/rest'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { type GitHubServer, OTHER_BOT, startGitHubServer } from '../servers/github.js'

const HEAD = 'a'.repeat(40)
let server: GitHubServer
let octokit: Octokit
let repo: { owner: string; repo: string }

beforeEach(async () => {
  server = await startGitHubServer()
  repo = { owner: server.owner, repo: server.repo }
  server.addPull({ number: 7, head: { ref: 'feature', sha: HEAD } })
  octokit = client(server.tokens.job)
})

afterEach(async () => {
  await server.close()
})

function client(token: string | undefined): Octokit {
  // Octokit prints failed requests through console.error by default; tests read the errors.
  const log = { debug() {}, info() {}, warn() {}, error() {} }
  return new Octokit({ ...(token ? { auth: token } : {}), baseUrl: server.url, log })
}

async function raw(
  method: string,
  path: string,
  token: string | null = server.tokens.job,
  body?: unknown,
): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method,
    headers: token ? { authorization: `token ${token}` } : {},
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
}

async function failure(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise
  } catch (error) {
    const e = error as { status: number; response?: { data?: { message?: string } } }
    return { status: e.status, message: e.response?.data?.message ?? '' }
  }
  throw new Error('expected the request to fail')
}

describe('paging', () => {
  test.each([
    {
      page: 1,
      rels: { next: 2, last: 3 },
    },
    {
      page: 2,
      rels: { prev: 1, next: 3, last: 3, first: 1 },
    },
    {
      page: 3,
      rels: { prev: 2, first: 1 },
    },
  ])(
    'page $page of 75 comments carries the Link relations GitHub sends',
    async ({ page, rels }) => {
      for (let i = 0; i < 75; i++) server.addComment(7, `comment ${i}`)
      const res = await raw(
        'GET',
        `/repos/${server.owner}/${server.repo}/issues/7/comments?page=${page}`,
      )
      const body = (await res.json()) as Array<{ body: string }>

      expect(body).toHaveLength(page === 3 ? 15 : 30)
      expect(body[0]?.body).toBe(`comment ${(page - 1) * 30}`)
      const expected = Object.entries(rels)
        .map(
          ([rel, n]) =>
            `<${server.url}/repositories/7100001/issues/7/comments?page=${n}>; rel="${rel}"`,
        )
        .join(', ')
      expect(res.headers.get('link')).toBe(expected)
    },
  )

  test('a single page has no Link header', async () => {
    server.addComment(7, 'only one')
    const res = await raw('GET', `/repos/${server.owner}/${server.repo}/issues/7/comments`)

    expect(res.headers.get('link')).toBeNull()
  })

  test.each([
    { perPage: undefined, requests: 3 },
    { perPage: 30, requests: 3 },
    { perPage: 50, requests: 2 },
    { perPage: 100, requests: 1 },
    { perPage: 500, requests: 1 },
  ])(
    'paginate collects 75 comments with per_page $perPage in $requests request(s)',
    async ({ perPage, requests }) => {
      for (let i = 0; i < 75; i++) server.addComment(7, `comment ${i}`)
      const params = { ...repo, issue_number: 7, ...(perPage ? { per_page: perPage } : {}) }
      const all = await octokit.paginate(octokit.rest.issues.listComments, params)

      expect(all.map((c) => c.body)).toEqual(Array.from({ length: 75 }, (_, i) => `comment ${i}`))
      expect(server.requests).toHaveLength(requests)
    },
  )

  test('paginate follows deployments newest first across pages', async () => {
    for (let i = 0; i < 5; i++) {
      await octokit.rest.repos.createDeployment({ ...repo, ref: HEAD, environment: `env-${i}` })
    }
    const all = await octokit.paginate(octokit.rest.repos.listDeployments, { ...repo, per_page: 2 })

    expect(all.map((d) => d.environment)).toEqual(['env-4', 'env-3', 'env-2', 'env-1', 'env-0'])
  })
})

describe('authentication', () => {
  test('an unknown token gets 401 Bad credentials', async () => {
    const res = await raw('GET', `/repos/${server.owner}/${server.repo}/pulls/7`, 'ghs_unknown')

    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({
      message: 'Bad credentials',
      documentation_url: 'https://docs.github.com/rest',
      status: '401',
    })
  })

  test('Bearer works like token', async () => {
    const res = await fetch(`${server.url}/repos/${server.owner}/${server.repo}/pulls/7`, {
      headers: { authorization: `Bearer ${server.tokens.user}` },
    })

    expect(res.status).toBe(200)
  })

  test('without a token the private repository is not found', async () => {
    const res = await raw('GET', `/repos/${server.owner}/${server.repo}/pulls/7`, null)

    expect(res.status).toBe(404)
  })

  test('GET /user refuses the job token, as for every installation token', async () => {
    const result = await failure(octokit.rest.users.getAuthenticated())

    expect(result).toEqual({ status: 403, message: 'Resource not accessible by integration' })
  })

  test('GET /user answers for a personal token', async () => {
    const { data } = await client(server.tokens.user).rest.users.getAuthenticated()

    expect(data.login).toBe('octocat')
  })

  test.each([
    { token: 'job', login: 'github-actions[bot]' },
    { token: 'user', login: 'octocat' },
  ] as const)('GraphQL viewer is $login for the $token token', async ({ token, login }) => {
    const data = await client(server.tokens[token]).graphql<{ viewer: { login: string } }>(
      'query { viewer { login } }',
    )

    expect(data.viewer.login).toBe(login)
  })
})

describe('permissions', () => {
  test('a token without deployments gets 403 naming the permission', async () => {
    server.addToken('ghs_nodeploy', { account: OTHER_BOT, deployments: 'none' })
    const res = await raw(
      'POST',
      `/repos/${server.owner}/${server.repo}/deployments`,
      'ghs_nodeploy',
      {
        ref: HEAD,
      },
    )

    expect(res.status).toBe(403)
    expect(res.headers.get('x-accepted-github-permissions')).toBe('deployments=write')
    expect(((await res.json()) as { message: string }).message).toBe(
      'Resource not accessible by integration',
    )
  })

  test('a read-only token can list comments but not write them', async () => {
    server.addToken('ghs_readonly', {
      account: OTHER_BOT,
      issues: 'read',
      pullRequests: 'read',
      deployments: 'read',
    })
    const ro = client('ghs_readonly')
    await ro.rest.issues.listComments({ ...repo, issue_number: 7 })
    const result = await failure(
      ro.rest.issues.createComment({ ...repo, issue_number: 7, body: 'x' }),
    )

    expect(result.status).toBe(403)
    expect(server.comments(7)).toHaveLength(0)
  })
})

describe('errors like GitHub', () => {
  test.each([
    { what: 'an unknown pull', call: () => octokit.rest.pulls.get({ ...repo, pull_number: 99 }) },
    {
      what: 'comments of an unknown issue',
      call: () => octokit.rest.issues.listComments({ ...repo, issue_number: 99 }),
    },
    {
      what: 'another repository',
      call: () => octokit.rest.pulls.get({ owner: 'someone', repo: 'else', pull_number: 7 }),
    },
    {
      what: 'an unknown comment',
      call: () => octokit.rest.issues.updateComment({ ...repo, comment_id: 5, body: 'x' }),
    },
  ])('$what is 404 Not Found', async ({ call }) => {
    expect(await failure(call())).toEqual({ status: 404, message: 'Not Found' })
  })

  test('a comment without a body, or with one over 65536 characters, is a 422', async () => {
    const res = await raw(
      'POST',
      `/repos/${server.owner}/${server.repo}/issues/7/comments`,
      server.tokens.job,
      {},
    )
    expect(res.status).toBe(422)

    const long = await raw(
      'POST',
      `/repos/${server.owner}/${server.repo}/issues/7/comments`,
      server.tokens.job,
      { body: 'x'.repeat(65537) },
    )
    const body = (await long.json()) as { message: string; errors: Array<{ code: string }> }

    expect(long.status).toBe(422)
    expect(body.message).toBe('Validation Failed')
    expect(body.errors[0]?.code).toBe('unprocessable')
  })

  test('a deployment of an unknown ref is refused', async () => {
    const result = await failure(octokit.rest.repos.createDeployment({ ...repo, ref: 'nope' }))

    expect(result).toEqual({ status: 422, message: 'No ref found for: nope' })
  })

  test('an active deployment cannot be deleted unless it is alone; an inactive one can', async () => {
    const a = await octokit.rest.repos.createDeployment({
      ...repo,
      ref: 'feature',
      environment: 'e',
    })
    await octokit.rest.repos.createDeployment({ ...repo, ref: 'feature', environment: 'e' })
    const id = (a.data as { id: number }).id

    const refused = await failure(
      octokit.rest.repos.deleteDeployment({ ...repo, deployment_id: id }),
    )
    expect(refused.status).toBe(422)

    await octokit.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: id,
      state: 'inactive',
    })
    await octokit.rest.repos.deleteDeployment({ ...repo, deployment_id: id })
    expect(server.deployments({ environment: 'e' })).toHaveLength(1)
  })

  test('a deployment status with an unknown state is a 422', async () => {
    const d = await octokit.rest.repos.createDeployment({ ...repo, ref: HEAD })
    const id = (d.data as { id: number }).id
    const res = await raw(
      'POST',
      `/repos/${server.owner}/${server.repo}/deployments/${id}/statuses`,
      server.tokens.job,
      { state: 'done' },
    )

    expect(res.status).toBe(422)
  })

  test('GraphQL reports an unknown field and an unknown pull the way GitHub does', async () => {
    const unknownField = await raw('POST', '/graphql', server.tokens.job, {
      query: 'query { viewer { nickname } }',
    })
    expect(await unknownField.json()).toEqual({
      errors: [{ message: "Field 'nickname' doesn't exist on type 'User'" }],
    })

    const missing = await raw('POST', '/graphql', server.tokens.job, {
      query:
        'query($o: String!, $n: String!) { repository(owner: $o, name: $n) { pullRequest(number: 99) { headRefOid } } }',
      variables: { o: server.owner, n: server.repo },
    })
    expect(await missing.json()).toEqual({
      data: { repository: { pullRequest: null } },
      errors: [
        {
          type: 'NOT_FOUND',
          path: ['repository', 'pullRequest'],
          message: 'Could not resolve to a PullRequest with the number of 99.',
        },
      ],
    })
  })
})

describe('state', () => {
  test('pulls filter by state and head owner:branch', async () => {
    server.addPull({ number: 8, head: { ref: 'other', sha: 'c'.repeat(40) } })
    server.addPull({ number: 9, head: { ref: 'feature', sha: 'd'.repeat(40), owner: 'fork' } })
    server.closePull(8)

    const open = await octokit.rest.pulls.list({ ...repo })
    const byHead = await octokit.rest.pulls.list({ ...repo, head: `${server.owner}:feature` })
    const closed = await octokit.rest.pulls.list({ ...repo, state: 'closed' })

    expect(open.data.map((p) => p.number)).toEqual([9, 7])
    expect(byHead.data.map((p) => p.number)).toEqual([7])
    expect(closed.data.map((p) => p.number)).toEqual([8])
  })

  test('a push moves the head that GET pulls and GraphQL report', async () => {
    server.pushPull(7, 'e'.repeat(40))
    const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: 7 })

    expect(data.head.sha).toBe('e'.repeat(40))
  })

  test('a success status makes earlier non-transient deployments inactive, not transient ones', async () => {
    const create = async (transient: boolean) => {
      const d = await octokit.rest.repos.createDeployment({
        ...repo,
        ref: HEAD,
        environment: 'staging',
        transient_environment: transient,
      })
      const id = (d.data as { id: number }).id
      await octokit.rest.repos.createDeploymentStatus({
        ...repo,
        deployment_id: id,
        state: 'success',
      })
      return id
    }
    const kept = await create(false)
    const transient = await create(true)
    await create(false)

    const latest = (id: number) =>
      server
        .deployments()
        .find((d) => d.id === id)
        ?.statuses.at(-1)?.state
    expect(latest(kept)).toBe('inactive')
    expect(latest(transient)).toBe('success')
  })

  test('requests are recorded with the acting login and status', async () => {
    await octokit.rest.pulls.get({ ...repo, pull_number: 7 })

    expect(server.requests).toMatchObject([
      {
        method: 'GET',
        path: `/repos/${server.owner}/${server.repo}/pulls/7`,
        query: {},
        login: 'github-actions[bot]',
        body: {},
        status: 200,
        response: { number: 7, head: { sha: HEAD } },
      },
    ])
  })
})

describe('injected faults', () => {
  test.each([500, 502] as const)(
    '%i is returned the given number of times, then the real answer',
    async (status) => {
      server.inject({ method: 'GET', path: /\/pulls\/7$/, status, times: 2 })
      const path = `/repos/${server.owner}/${server.repo}/pulls/7`

      const statuses = []
      for (let i = 0; i < 3; i++) statuses.push((await raw('GET', path)).status)

      expect(statuses).toEqual([status, status, 200])
    },
  )

  test('a secondary rate limit carries retry-after and GitHub message', async () => {
    server.inject({ path: /\/comments$/, status: 403, retryAfter: 7 })
    const res = await raw('GET', `/repos/${server.owner}/${server.repo}/issues/7/comments`)
    const body = (await res.json()) as { message: string }

    expect(res.status).toBe(403)
    expect(res.headers.get('retry-after')).toBe('7')
    expect(body.message).toMatch(/^You have exceeded a secondary rate limit/)
  })

  test('a primary rate limit has no requests left and a reset time', async () => {
    server.inject({ path: /\/pulls\/7$/, status: 403, kind: 'rate-limit', retryAfter: 30 })
    const res = await raw('GET', `/repos/${server.owner}/${server.repo}/pulls/7`)
    const reset = Number(res.headers.get('x-ratelimit-reset'))

    expect(res.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(reset - Date.now() / 1000).toBeGreaterThan(25)
  })
})
