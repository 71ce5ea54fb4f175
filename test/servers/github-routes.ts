// The REST and GraphQL endpoints of the loopback GitHub server, answering the way GitHub does:
// same status codes, error bodies, pagination and permission checks for what Ephemera calls.
import { executeGraphQL, GqlFieldError, type GqlObject } from './github-graphql.js'
import {
  type DeploymentRecord,
  type DeploymentStatusState,
  deployment,
  deploymentStatus,
  issueComment,
  privateUser,
  pullRequest,
  pullRequestSimple,
} from './github-payloads.js'
import { type GitHubStore, type Permission, type TokenGrant, timestamp } from './github-store.js'

export interface RouteContext {
  store: GitHubStore
  /** Undefined for a request without credentials. */
  grant: TokenGrant | undefined
  query: URLSearchParams
  body: Record<string, unknown>
  params: string[]
}

export interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

interface Route {
  method: string
  pattern: RegExp
  doc: string
  handle: (ctx: RouteContext, doc: string) => Reply
}

const DOCS = 'https://docs.github.com/rest'
const REPO = '/repos/([^/]+)/([^/]+)'

export function notFound(doc: string): Reply {
  return { status: 404, body: { message: 'Not Found', documentation_url: doc, status: '404' } }
}

function validationFailed(
  doc: string,
  errors: Array<{ resource: string; field: string; code: string; message?: string }>,
): Reply {
  return {
    status: 422,
    body: { message: 'Validation Failed', errors, documentation_url: doc, status: '422' },
  }
}

function invalidRequest(doc: string, message: string): Reply {
  return { status: 422, body: { message, documentation_url: doc, status: '422' } }
}

const RANK: Record<Permission, number> = { none: 0, read: 1, write: 2 }

// Comments on a pull request are reachable with either the issues or the pull-requests grant.
type Scope = 'issues' | 'pullRequests' | 'deployments'
const SCOPE_NAMES: Record<Scope, string> = {
  issues: 'issues',
  pullRequests: 'pull_requests',
  deployments: 'deployments',
}

function denied(ctx: RouteContext, doc: string, scopes: Scope[], level: Permission): Reply | null {
  const grant = ctx.grant
  if (!grant) return notFound(doc)
  if (scopes.some((s) => RANK[grant[s]] >= RANK[level])) return null
  const who = grant.installation ? 'integration' : 'personal access token'
  const accepted = scopes.map((s) => `${SCOPE_NAMES[s]}=${level}`).join('; ')
  return {
    status: 403,
    headers: { 'x-accepted-github-permissions': accepted },
    body: { message: `Resource not accessible by ${who}`, documentation_url: doc, status: '403' },
  }
}

function isRepo(ctx: RouteContext): boolean {
  const [owner, name] = ctx.params
  const repo = ctx.store.repo
  return (
    owner?.toLowerCase() === repo.owner.login.toLowerCase() &&
    name?.toLowerCase() === repo.name.toLowerCase()
  )
}

/** GitHub's paging: per_page 30 by default and 100 at most, and a Link header of pages. */
export function paginate<T>(
  items: T[],
  ctx: RouteContext,
  linkPath: string,
): { items: T[]; link: string | undefined } {
  const asked = Number.parseInt(ctx.query.get('per_page') ?? '', 10)
  const perPage = Number.isNaN(asked) || asked < 1 ? 30 : Math.min(asked, 100)
  const pageAsked = Number.parseInt(ctx.query.get('page') ?? '', 10)
  const page = Number.isNaN(pageAsked) || pageAsked < 1 ? 1 : pageAsked
  const last = Math.max(1, Math.ceil(items.length / perPage))
  const slice = items.slice((page - 1) * perPage, page * perPage)

  const url = (n: number): string => {
    const q = new URLSearchParams(ctx.query)
    q.delete('page')
    q.set('page', String(n))
    return `<${linkPath}?${q.toString()}>`
  }
  const parts: string[] = []
  if (page > 1) parts.push(`${url(Math.min(page - 1, last))}; rel="prev"`)
  if (page < last) parts.push(`${url(page + 1)}; rel="next"`, `${url(last)}; rel="last"`)
  if (page > 1) parts.push(`${url(1)}; rel="first"`)
  return { items: slice, link: parts.length > 0 ? parts.join(', ') : undefined }
}

function pagedReply<T>(items: T[], ctx: RouteContext, subPath: string): Reply {
  const repo = ctx.store.repo
  const { items: page, link } = paginate(
    items,
    ctx,
    `${repo.baseUrl}/repositories/${repo.id}${subPath}`,
  )
  return { status: 200, body: page, headers: link ? { link } : {} }
}

function num(value: string | undefined): number {
  return Number(value)
}

function listComments(ctx: RouteContext, doc: string): Reply {
  if (!isRepo(ctx)) return notFound(doc)
  const refused = denied(ctx, doc, ['issues', 'pullRequests'], 'read')
  if (refused) return refused
  const issue = num(ctx.params[2])
  if (!ctx.store.pulls.has(issue)) return notFound(doc)
  const since = ctx.query.get('since')
  const comments = ctx.store
    .commentsOn(issue)
    .filter((c) => !since || c.updatedAt >= since)
    .map((c) => issueComment(c, ctx.store.repo))
  return pagedReply(comments, ctx, `/issues/${issue}/comments`)
}

function checkBody(ctx: RouteContext, doc: string): Reply | null {
  const body = ctx.body.body
  if (typeof body !== 'string') {
    return invalidRequest(doc, `Invalid request.\n\n"body" wasn't supplied.`)
  }
  if (body.length > 65536) {
    return validationFailed(doc, [
      {
        resource: 'IssueComment',
        field: 'data',
        code: 'unprocessable',
        message: 'Body is too long (maximum is 65536 characters)',
      },
    ])
  }
  return null
}

function createComment(ctx: RouteContext, doc: string): Reply {
  if (!isRepo(ctx)) return notFound(doc)
  const refused = denied(ctx, doc, ['issues', 'pullRequests'], 'write')
  if (refused || !ctx.grant) return refused ?? notFound(doc)
  const issue = num(ctx.params[2])
  if (!ctx.store.pulls.has(issue)) return notFound(doc)
  const invalid = checkBody(ctx, doc)
  if (invalid) return invalid
  const record = ctx.store.addComment(issue, String(ctx.body.body), ctx.grant.account)
  const payload = issueComment(record, ctx.store.repo)
  return { status: 201, body: payload, headers: { location: payload.url } }
}

function getComment(ctx: RouteContext, doc: string): Reply {
  if (!isRepo(ctx)) return notFound(doc)
  const refused = denied(ctx, doc, ['issues', 'pullRequests'], 'read')
  if (refused) return refused
  const record = ctx.store.comments.get(num(ctx.params[2]))
  if (!record) return notFound(doc)
  return { status: 200, body: issueComment(record, ctx.store.repo) }
}

// Anyone with write access may edit or delete any comment, ours or not, as on GitHub; that is
// why the comment code has to pick its own by author.
function updateComment(ctx: RouteContext, doc: string): Reply {
  if (!isRepo(ctx)) return notFound(doc)
  const refused = denied(ctx, doc, ['issues', 'pullRequests'], 'write')
  if (refused) return refused
  const record = ctx.store.comments.get(num(ctx.params[2]))
  if (!record) return notFound(doc)
  const invalid = checkBody(ctx, doc)
  if (invalid) return invalid
  record.body = String(ctx.body.body)
  record.updatedAt = timestamp()
  return { status: 200, body: issueComment(record, ctx.store.repo) }
}

function deleteComment(ctx: RouteContext, doc: string): Reply {
  if (!isRepo(ctx)) return notFound(doc)
  const refused = denied(ctx, doc, ['issues', 'pullRequests'], 'write')
  if (refused) return refused
  if (!ctx.store.comments.delete(num(ctx.params[2]))) return notFound(doc)
  return { status: 204 }
}

function getPull(ctx: RouteContext, doc: string): Reply {
  if (!isRepo(ctx)) return notFound(doc)
  const refused = denied(ctx, doc, ['pullRequests'], 'read')
  if (refused) return refused
  const pull = ctx.store.pulls.get(num(ctx.params[2]))
  if (!pull) return notFound(doc)
  return { status: 200, body: pullRequest(pull, ctx.store.repo) }
}

function listPulls(ctx: RouteContext, doc: string): Reply {
  if (!isRepo(ctx)) return notFound(doc)
  const refused = denied(ctx, doc, ['pullRequests'], 'read')
  if (refused) return refused
  const state = ctx.query.get('state') ?? 'open'
  if (!['open', 'closed', 'all'].includes(state)) {
    return validationFailed(doc, [
      { resource: 'Search', field: 'state', code: 'invalid', message: `state is not valid` },
    ])
  }
  const head = ctx.query.get('head')
  const base = ctx.query.get('base')
  const direction = ctx.query.get('direction') ?? 'desc'
  const pulls = [...ctx.store.pulls.values()]
    .filter((p) => state === 'all' || p.state === state)
    .filter((p) => !head || head === `${p.headOwner}:${p.headRef}`)
    .filter((p) => !base || base === p.baseRef)
    .sort((a, b) => (direction === 'asc' ? a.id - b.id : b.id - a.id))
    .map((p) => pullRequestSimple(p, ctx.store.repo))
  return pagedReply(pulls, ctx, '/pulls')
}

function createDeployment(ctx: RouteContext, doc: string): Reply {
  if (!isRepo(ctx)) return notFound(doc)
  const refused = denied(ctx, doc, ['deployments'], 'write')
  if (refused || !ctx.grant) return refused ?? notFound(doc)
  const b = ctx.body
  if (typeof b.ref !== 'string')
    return invalidRequest(doc, `Invalid request.\n\n"ref" wasn't supplied.`)
  const sha = ctx.store.resolveRef(b.ref)
  if (!sha) return invalidRequest(doc, `No ref found for: ${b.ref}`)
  const environment = typeof b.environment === 'string' ? b.environment : 'production'
  const payload = b.payload ?? {}
  if (typeof payload !== 'string' && (typeof payload !== 'object' || Array.isArray(payload))) {
    return invalidRequest(
      doc,
      "Invalid request.\n\nFor 'properties/payload', it is not an object or string.",
    )
  }
  const now = timestamp()
  const record: DeploymentRecord = {
    id: ctx.store.id(),
    ref: b.ref,
    sha,
    task: typeof b.task === 'string' ? b.task : 'deploy',
    payload: payload as Record<string, unknown> | string,
    environment,
    description: typeof b.description === 'string' ? b.description : null,
    transient: b.transient_environment === true,
    production:
      typeof b.production_environment === 'boolean'
        ? b.production_environment
        : environment === 'production',
    creator: ctx.grant.account,
    createdAt: now,
    updatedAt: now,
    statuses: [],
  }
  ctx.store.deployments.set(record.id, record)
  return { status: 201, body: deployment(record, ctx.store.repo) }
}

function listDeployments(ctx: RouteContext, doc: string): Reply {
  if (!isRepo(ctx)) return notFound(doc)
  const refused = denied(ctx, doc, ['deployments'], 'read')
  if (refused) return refused
  const q = ctx.query
  const match = (key: string, value: string): boolean => !q.has(key) || q.get(key) === value
  const list = [...ctx.store.deployments.values()]
    .filter((d) => match('sha', d.sha) && match('ref', d.ref) && match('task', d.task))
    .filter((d) => match('environment', d.environment))
    .sort((a, b) => b.id - a.id)
    .map((d) => deployment(d, ctx.store.repo))
  return pagedReply(list, ctx, '/deployments')
}

function findDeployment(ctx: RouteContext, doc: string): DeploymentRecord | Reply {
  if (!isRepo(ctx)) return notFound(doc)
  return ctx.store.deployments.get(num(ctx.params[2])) ?? notFound(doc)
}

function getDeployment(ctx: RouteContext, doc: string): Reply {
  const refused = denied(ctx, doc, ['deployments'], 'read')
  const d = refused ?? findDeployment(ctx, doc)
  return 'status' in d ? d : { status: 200, body: deployment(d, ctx.store.repo) }
}

function deleteDeployment(ctx: RouteContext, doc: string): Reply {
  const refused = denied(ctx, doc, ['deployments'], 'write')
  const d = refused ?? findDeployment(ctx, doc)
  if ('status' in d) return d
  const inEnvironment = [...ctx.store.deployments.values()].filter(
    (other) => other.environment === d.environment,
  )
  if (inEnvironment.length > 1 && ctx.store.latestStatus(d)?.state !== 'inactive') {
    return invalidRequest(
      doc,
      'We cannot delete an active deployment unless it is the only deployment in a given environment.',
    )
  }
  ctx.store.deployments.delete(d.id)
  return { status: 204 }
}

const STATUS_STATES: DeploymentStatusState[] = [
  'error',
  'failure',
  'inactive',
  'in_progress',
  'queued',
  'pending',
  'success',
]

function createStatus(ctx: RouteContext, doc: string): Reply {
  const refused = denied(ctx, doc, ['deployments'], 'write')
  const d = refused ?? findDeployment(ctx, doc)
  if ('status' in d) return d
  const b = ctx.body
  const state = b.state as DeploymentStatusState
  if (!STATUS_STATES.includes(state)) {
    return invalidRequest(
      doc,
      `Invalid request.\n\n${JSON.stringify(b.state ?? null)} is not a member of ${JSON.stringify(STATUS_STATES)}.`,
    )
  }
  const description = typeof b.description === 'string' ? b.description : ''
  if (description.length > 140) {
    return validationFailed(doc, [
      {
        resource: 'DeploymentStatus',
        field: 'description',
        code: 'custom',
        message: 'description is too long (maximum is 140 characters)',
      },
    ])
  }
  const str = (v: unknown): string => (typeof v === 'string' ? v : '')
  const record = {
    id: ctx.store.id(),
    state,
    description,
    environment: str(b.environment) || d.environment,
    environmentUrl: str(b.environment_url),
    logUrl: str(b.log_url) || str(b.target_url),
    creator: (ctx.grant as TokenGrant).account,
    createdAt: timestamp(),
  }
  d.statuses.push(record)
  d.updatedAt = record.createdAt
  if (state === 'success' && b.auto_inactive !== false) deactivateOthers(ctx.store, d)
  return { status: 201, body: deploymentStatus(record, d, ctx.store.repo) }
}

// GitHub's auto_inactive: earlier successful deployments to the same environment go inactive,
// except transient and production ones.
function deactivateOthers(store: GitHubStore, current: DeploymentRecord): void {
  for (const other of store.deployments.values()) {
    if (other === current || other.environment !== current.environment) continue
    if (other.transient || other.production) continue
    const latest = store.latestStatus(other)
    if (latest?.state !== 'success') continue
    other.statuses.push({ ...latest, id: store.id(), state: 'inactive', createdAt: timestamp() })
  }
}

function listStatuses(ctx: RouteContext, doc: string): Reply {
  const refused = denied(ctx, doc, ['deployments'], 'read')
  const d = refused ?? findDeployment(ctx, doc)
  if ('status' in d) return d
  const statuses = [...d.statuses].reverse().map((s) => deploymentStatus(s, d, ctx.store.repo))
  return pagedReply(statuses, ctx, `/deployments/${d.id}/statuses`)
}

function getUser(ctx: RouteContext, doc: string): Reply {
  if (!ctx.grant) {
    return {
      status: 401,
      body: { message: 'Requires authentication', documentation_url: doc, status: '401' },
    }
  }
  if (ctx.grant.installation) {
    return {
      status: 403,
      body: {
        message: 'Resource not accessible by integration',
        documentation_url: doc,
        status: '403',
      },
    }
  }
  return { status: 200, body: privateUser(ctx.grant.account, ctx.store.repo.baseUrl) }
}

function graphql(ctx: RouteContext, doc: string): Reply {
  const grant = ctx.grant
  if (!grant) {
    return {
      status: 401,
      body: { message: 'This endpoint requires you to be authenticated.', documentation_url: doc },
    }
  }
  const query = typeof ctx.body.query === 'string' ? ctx.body.query : ''
  const variables = (ctx.body.variables ?? {}) as Record<string, unknown>
  return { status: 200, body: executeGraphQL(graphRoot(ctx.store, grant), query, variables) }
}

function graphRoot(store: GitHubStore, grant: TokenGrant): GqlObject {
  const repo = store.repo
  const pullObject = (n: number): GqlObject => {
    const p = store.pulls.get(n)
    if (!p)
      throw new GqlFieldError(
        'NOT_FOUND',
        `Could not resolve to a PullRequest with the number of ${n}.`,
      )
    const state = p.merged ? 'MERGED' : p.state === 'closed' ? 'CLOSED' : 'OPEN'
    return {
      typeName: 'PullRequest',
      fields: {
        number: () => p.number,
        headRefOid: () => p.headSha,
        headRefName: () => p.headRef,
        baseRefName: () => p.baseRef,
        state: () => state,
        isDraft: () => p.draft,
        url: () => `${repo.baseUrl}/${repo.owner.login}/${repo.name}/pull/${p.number}`,
      },
    }
  }
  return {
    typeName: 'Query',
    fields: {
      viewer: () => ({
        typeName: 'User',
        fields: { login: () => grant.account.login, databaseId: () => grant.account.id },
      }),
      repository: (args) => {
        const same =
          String(args.owner).toLowerCase() === repo.owner.login.toLowerCase() &&
          String(args.name).toLowerCase() === repo.name.toLowerCase()
        if (!same) {
          throw new GqlFieldError(
            'NOT_FOUND',
            `Could not resolve to a Repository with the name '${args.owner}/${args.name}'.`,
          )
        }
        const repository: GqlObject = {
          typeName: 'Repository',
          fields: {
            name: () => repo.name,
            nameWithOwner: () => `${repo.owner.login}/${repo.name}`,
            pullRequest: (a) => {
              if (RANK[grant.pullRequests] < 1 && RANK[grant.issues] < 1) {
                throw new GqlFieldError('FORBIDDEN', 'Resource not accessible by integration')
              }
              return pullObject(Number(a.number))
            },
          },
        }
        return repository
      },
    },
  }
}

export const ROUTES: Route[] = [
  {
    method: 'GET',
    pattern: /^\/user$/,
    doc: `${DOCS}/users/users#get-the-authenticated-user`,
    handle: getUser,
  },
  {
    method: 'POST',
    pattern: /^\/graphql$/,
    doc: 'https://docs.github.com/graphql',
    handle: graphql,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${REPO}/issues/(\\d+)/comments$`),
    doc: `${DOCS}/issues/comments#list-issue-comments`,
    handle: listComments,
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${REPO}/issues/(\\d+)/comments$`),
    doc: `${DOCS}/issues/comments#create-an-issue-comment`,
    handle: createComment,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${REPO}/issues/comments/(\\d+)$`),
    doc: `${DOCS}/issues/comments#get-an-issue-comment`,
    handle: getComment,
  },
  {
    method: 'PATCH',
    pattern: new RegExp(`^${REPO}/issues/comments/(\\d+)$`),
    doc: `${DOCS}/issues/comments#update-an-issue-comment`,
    handle: updateComment,
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^${REPO}/issues/comments/(\\d+)$`),
    doc: `${DOCS}/issues/comments#delete-an-issue-comment`,
    handle: deleteComment,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${REPO}/pulls/(\\d+)$`),
    doc: `${DOCS}/pulls/pulls#get-a-pull-request`,
    handle: getPull,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${REPO}/pulls$`),
    doc: `${DOCS}/pulls/pulls#list-pull-requests`,
    handle: listPulls,
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${REPO}/deployments$`),
    doc: `${DOCS}/deployments/deployments#create-a-deployment`,
    handle: createDeployment,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${REPO}/deployments$`),
    doc: `${DOCS}/deployments/deployments#list-deployments`,
    handle: listDeployments,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${REPO}/deployments/(\\d+)$`),
    doc: `${DOCS}/deployments/deployments#get-a-deployment`,
    handle: getDeployment,
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^${REPO}/deployments/(\\d+)$`),
    doc: `${DOCS}/deployments/deployments#delete-a-deployment`,
    handle: deleteDeployment,
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${REPO}/deployments/(\\d+)/statuses$`),
    doc: `${DOCS}/deployments/statuses#create-a-deployment-status`,
    handle: createStatus,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${REPO}/deployments/(\\d+)/statuses$`),
    doc: `${DOCS}/deployments/statuses#list-deployment-statuses`,
    handle: listStatuses,
  },
]
