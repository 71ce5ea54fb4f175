import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { GitHubApi } from '../../src/github/api.js'
import {
  previewMarker,
  renderComment,
  type UpsertCommentInput,
  upsertPreviewComment,
} from '../../src/github/comment.js'
import { GitHubApiError } from '../../src/github/errors.js'
import { ACTIONS_BOT, type GitHubServer, OCTOCAT, startGitHubServer } from '../servers/github.js'
import { captureCoreOutput, createTestGitHubApi } from '../servers/github-client.js'

const OLD = '1'.repeat(40)
const HEAD = '2'.repeat(40)
const NEWER = '3'.repeat(40)
let server: GitHubServer
let api: GitHubApi
let input: UpsertCommentInput

beforeEach(async () => {
  server = await startGitHubServer()
  server.addPull({ number: 7, head: { ref: 'feature', sha: HEAD } })
  api = createTestGitHubApi(server)
  input = {
    repo: { owner: server.owner, repo: server.repo },
    pull: 7,
    name: 'web',
    state: 'deploying',
    headSha: HEAD,
    run: { id: 100, attempt: 1, url: `${server.url}/runs/100` },
  }
})

afterEach(async () => {
  await server.close()
})

/** Runs an upsert quietly and returns its result with the requests it made. */
async function upsert(over: Partial<UpsertCommentInput> = {}, using = api) {
  const before = server.requests.length
  const { result } = await captureCoreOutput(() =>
    upsertPreviewComment(using, { ...input, ...over }),
  )
  const calls = server.requests
    .slice(before)
    .map((r) => `${r.method} ${r.path.replace(/^.*\/(issues|pulls)/, '$1')}`)
  return { result, calls }
}

function ours(issue = 7) {
  return server.comments(issue).filter((c) => c.author.login === ACTIONS_BOT.login)
}

describe('upsertPreviewComment', () => {
  test('creates the comment: PR context and list, create, then one list to settle races', async () => {
    const { result, calls } = await upsert()

    expect(result).toMatchObject({ action: 'created' })
    expect(calls).toEqual([
      'POST /graphql',
      'GET issues/7/comments',
      'POST issues/7/comments',
      'GET issues/7/comments',
    ])
    expect(ours()).toHaveLength(1)
    expect(ours()[0]?.body).toBe(renderComment(input))
  })

  test('updates in place in three calls', async () => {
    const first = await upsert()
    const { result, calls } = await upsert({ state: 'ready', url: 'https://pr-7.example/' })

    expect(result).toMatchObject({ action: 'updated' })
    expect(result).toHaveProperty(
      'commentId',
      'commentId' in first.result && first.result.commentId,
    )
    expect(calls).toHaveLength(3)
    expect(calls).toContain(`PATCH issues/comments/${ours()[0]?.id}`)
    expect(ours()).toHaveLength(1)
    expect(ours()[0]?.body).toContain('**https://pr-7.example/**')
  })

  test('an identical body is not written again: two calls', async () => {
    await upsert()
    const { result, calls } = await upsert()

    expect(result).toMatchObject({ action: 'unchanged' })
    expect(calls).toHaveLength(2)
  })

  test('comments by other accounts are ignored even when they carry our marker', async () => {
    const newerRun = renderComment({ ...input, run: { id: 999, attempt: 9, url: 'x' } })
    server.addComment(7, newerRun, OCTOCAT)
    server.addComment(7, `quoting ${previewMarker('web')}`, OCTOCAT)

    const { result } = await upsert({ state: 'ready', url: 'https://pr-7.example/' })

    expect(result).toMatchObject({ action: 'created' })
    expect(ours()).toHaveLength(1)
    expect(
      server
        .comments(7)
        .filter((c) => c.author.login === 'octocat')
        .map((c) => c.body),
    ).toEqual([newerRun, `quoting ${previewMarker('web')}`])
  })

  test('with a personal token, the comments of that person are ours', async () => {
    const personal = createTestGitHubApi(server, server.tokens.user)
    server.addComment(7, renderComment(input), OCTOCAT)

    const { result } = await upsert({ state: 'ready', url: 'https://x.example/' }, personal)

    expect(result).toMatchObject({ action: 'updated' })
    expect(server.comments(7)).toHaveLength(1)
  })

  test('each preview name has its own comment', async () => {
    await upsert({ name: 'web' })
    await upsert({ name: 'api' })
    await upsert({ name: 'web', state: 'ready', url: 'https://web.example/' })

    expect(ours().map((c) => c.body.split('\n')[0])).toEqual([
      previewMarker('web'),
      previewMarker('api'),
    ])
  })

  test('finds our comment past the first page', async () => {
    await upsert()
    for (let i = 0; i < 150; i++) server.addComment(7, `chatter ${i}`, OCTOCAT)

    const { result, calls } = await upsert({ state: 'ready', url: 'https://x.example/' })

    expect(result).toMatchObject({ action: 'updated' })
    expect(ours()).toHaveLength(1)
    expect(calls).toHaveLength(4)
  })
})

describe('stale runs', () => {
  test('a run for a commit that is no longer the PR head does not overwrite', async () => {
    await upsert()
    server.pushPull(7, NEWER)
    const before = ours()[0]?.body

    const { result, calls } = await upsert({ state: 'failed', deployOutput: 'old failure' })

    expect(result).toEqual({
      action: 'stale',
      reason: 'PR #7 head is now 3333333; this run deployed 2222222.',
    })
    expect(calls.filter((c) => !c.startsWith('GET') && c !== 'POST /graphql')).toEqual([])
    expect(ours()[0]?.body).toBe(before)
  })

  test('the newer commit overwrites the comment of the older one', async () => {
    server.pushPull(7, OLD)
    await upsert({ headSha: OLD, state: 'ready', url: 'https://old.example/' })
    server.pushPull(7, HEAD)

    const { result } = await upsert({ run: { id: 101, attempt: 1, url: 'x' } })

    expect(result).toMatchObject({ action: 'updated' })
    expect(ours()[0]?.body).toContain('`2222222`')
  })

  test.each([
    { written: { id: 200, attempt: 1 }, ours: { id: 100, attempt: 1 }, action: 'stale' },
    { written: { id: 100, attempt: 2 }, ours: { id: 100, attempt: 1 }, action: 'stale' },
    { written: { id: 100, attempt: 1 }, ours: { id: 100, attempt: 2 }, action: 'updated' },
    { written: { id: 100, attempt: 1 }, ours: { id: 200, attempt: 1 }, action: 'updated' },
  ])(
    'same commit: run $ours.id/$ours.attempt after $written.id/$written.attempt is $action',
    async ({ written, ours: mine, action }) => {
      await upsert({ run: { ...written, url: 'x' }, state: 'ready', url: 'https://a.example/' })

      const { result } = await upsert({ run: { ...mine, url: 'x' }, state: 'failed' })

      expect(result.action).toBe(action)
    },
  )

  test('destroyed is written whichever commit the run had', async () => {
    await upsert({ state: 'ready', url: 'https://a.example/' })
    server.pushPull(7, NEWER)

    const { result } = await upsert({ state: 'destroyed', message: 'PR closed' })

    expect(result).toMatchObject({ action: 'updated' })
    expect(ours()[0]?.body).toContain('was destroyed')
  })
})

describe('races', () => {
  test.each([2, 3, 5])('%i concurrent first upserts leave exactly one comment', async (n) => {
    const runs = Array.from({ length: n }, (_, i) =>
      upsertPreviewComment(createTestGitHubApi(server), {
        ...input,
        run: { id: 100, attempt: 1, url: 'x' },
        message: `writer ${i}`,
      }),
    )
    const { result } = await captureCoreOutput(() => Promise.all(runs))

    // Every writer found no comment and created one; the oldest survives, the rest are gone.
    const created = server.requests
      .filter((r) => r.method === 'POST' && r.status === 201)
      .map((r) => (r.response as { id: number }).id)
    expect(created).toHaveLength(n)
    expect(ours().map((c) => c.id)).toEqual([Math.min(...created)])
    expect(result.filter((r) => r.action === 'created')).toHaveLength(1)
  })

  test('duplicates left by an earlier race are removed on the next update, keeping the oldest', async () => {
    const first = server.addComment(7, renderComment(input), ACTIONS_BOT)
    server.addComment(7, renderComment(input), ACTIONS_BOT)

    const { result } = await upsert({ state: 'ready', url: 'https://x.example/' })

    expect(result).toMatchObject({ action: 'updated', commentId: first.id })
    expect(ours().map((c) => c.id)).toEqual([first.id])
  })
})

describe('failures', () => {
  test('a bad token fails with the message naming the input', async () => {
    const bad = createTestGitHubApi(server, 'ghs_expired')

    const error = await upsertPreviewComment(bad, input).then(
      () => undefined,
      (e: unknown) => e,
    )

    expect(error).toBeInstanceOf(GitHubApiError)
    expect((error as GitHubApiError).status).toBe(401)
    expect((error as Error).message).toContain("Check the 'github-token' input")
  })

  test('a secondary rate limit on the update is retried and the update lands', async () => {
    await upsert()
    server.inject({ method: 'PATCH', path: /\/issues\/comments\/\d+$/, status: 403, retryAfter: 1 })

    const { result } = await upsert({ state: 'ready', url: 'https://x.example/' })

    expect(result).toMatchObject({ action: 'updated' })
    expect(server.requests.filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([
      403, 200,
    ])
  })
})
