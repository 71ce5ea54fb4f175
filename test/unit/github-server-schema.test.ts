import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type GitHubServer, OCTOCAT, OTHER_BOT, startGitHubServer } from '../servers/github.js'
import { checkSchema, loadResponseSchemas, operationKey } from '../servers/github-schema-check.js'

const fixture = loadResponseSchemas()
const HEAD = 'a'.repeat(40)
let server: GitHubServer

async function call(method: string, path: string, token: string | null, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: token ? { authorization: `token ${token}` } : {},
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: res.status, body: res.status === 204 ? undefined : await res.json() }
}

// Drives the server through every answer listed in the fixture; the requests it records are
// then checked against GitHub's published schemas.
beforeAll(async () => {
  server = await startGitHubServer()
  server.addToken('ghs_readonly', { account: OTHER_BOT, issues: 'read', pullRequests: 'read' })
  server.addPull({ number: 7, head: { ref: 'feature', sha: HEAD } })
  server.addPull({ number: 8, head: { ref: 'done', sha: 'c'.repeat(40) } })
  server.closePull(8, { merged: true })
  server.addComment(7, 'from a person', OCTOCAT)
  const job = server.tokens.job
  const repo = `/repos/${server.owner}/${server.repo}`

  await call('GET', `${repo}/issues/7/comments`, job)
  const created = await call('POST', `${repo}/issues/7/comments`, job, { body: 'hello' })
  await call('POST', `${repo}/issues/7/comments`, 'ghs_readonly', { body: 'no' })
  await call('POST', `${repo}/issues/99/comments`, job, { body: 'nowhere' })
  await call('POST', `${repo}/issues/7/comments`, job, {})
  const id = (created.body as { id: number }).id
  await call('GET', `${repo}/issues/comments/${id}`, job)
  await call('PATCH', `${repo}/issues/comments/${id}`, job, { body: 'edited' })
  await call('PATCH', `${repo}/issues/comments/${id}`, job, { body: 'x'.repeat(70_000) })
  await call('GET', `${repo}/pulls/7`, job)
  await call('GET', `${repo}/pulls/8`, job)
  await call('GET', `${repo}/pulls/99`, job)
  await call('GET', `${repo}/pulls?state=all`, job)

  const env = { environment: 'preview/web/pr-7', transient_environment: true }
  const d1 = await call('POST', `${repo}/deployments`, job, { ref: HEAD, ...env })
  await call('POST', `${repo}/deployments`, job, { ref: 'feature', payload: '{"a":1}', ...env })
  await call('POST', `${repo}/deployments`, job, { ref: 'no-such-branch' })
  const d = (d1.body as { id: number }).id
  await call('GET', `${repo}/deployments?environment=preview/web/pr-7`, job)
  await call('GET', `${repo}/deployments/${d}`, job)
  await call('DELETE', `${repo}/deployments/${d}`, job)
  await call('POST', `${repo}/deployments/${d}/statuses`, job, { state: 'in_progress' })
  await call('POST', `${repo}/deployments/${d}/statuses`, job, {
    state: 'success',
    environment_url: 'https://pr-7.example/',
    log_url: 'https://github.example/runs/1',
  })
  await call('POST', `${repo}/deployments/${d}/statuses`, job, { state: 'finished' })
  await call('GET', `${repo}/deployments/${d}/statuses`, job)

  await call('GET', '/user', server.tokens.user)
  await call('GET', '/user', null)
  await call('GET', '/user', job)
})

afterAll(async () => {
  await server.close()
})

describe("the server's answers conform to GitHub's OpenAPI description", () => {
  test('every operation in the fixture was exercised', () => {
    const seen = new Set(
      server.requests.map((r) => operationKey(fixture.operations, r.method, r.path, r.status)),
    )

    expect(Object.keys(fixture.operations).filter((key) => !seen.has(key))).toEqual([])
  })

  test.each(Object.keys(fixture.operations))('%s', (key) => {
    const matching = server.requests.filter(
      (r) => operationKey(fixture.operations, r.method, r.path, r.status) === key,
    )
    const schema = fixture.operations[key] ?? {}
    const problems = matching.flatMap((r) => checkSchema(r.response, schema, fixture.schemas))

    expect(matching.length).toBeGreaterThan(0)
    expect(problems).toEqual([])
  })
})

describe('the schema check itself', () => {
  const comment =
    fixture.operations['PATCH /repos/{owner}/{repo}/issues/comments/{comment_id} 200'] ?? {}
  const valid = () =>
    structuredClone(
      server.requests.find((r) => r.method === 'PATCH' && r.status === 200)?.response,
    ) as Record<string, unknown>

  test.each([
    {
      what: 'a missing required field',
      change: (c: Record<string, unknown>) => delete c.node_id,
      problem: "missing required 'node_id'",
    },
    {
      what: 'a wrong type',
      change: (c: Record<string, unknown>) => (c.id = '12'),
      problem: '$.id: expected integer, got string',
    },
    {
      what: 'null where not nullable',
      change: (c: Record<string, unknown>) => (c.html_url = null),
      problem: '$.html_url: null',
    },
    {
      what: 'a bad date-time',
      change: (c: Record<string, unknown>) => (c.created_at = 'yesterday'),
      problem: 'is not a date-time',
    },
    {
      what: 'a value outside an enum',
      change: (c: Record<string, unknown>) => (c.author_association = 'FRIEND'),
      problem: 'is not one of',
    },
  ])('catches $what', ({ change, problem }) => {
    const broken = valid()
    change(broken)

    expect(checkSchema(valid(), comment, fixture.schemas)).toEqual([])
    expect(checkSchema(broken, comment, fixture.schemas).join('\n')).toContain(problem)
  })
})
