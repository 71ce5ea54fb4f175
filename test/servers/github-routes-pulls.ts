// Issue comments, pull requests, the authenticated user and GraphQL, answered like GitHub.
import { executeGraphQL, GqlFieldError, type GqlObject } from './github-graphql.js'
import {
  denied,
  invalidRequest,
  isRepo,
  notFound,
  num,
  pagedReply,
  RANK,
  type Reply,
  type RouteContext,
  validationFailed,
} from './github-http.js'
import { issueComment, privateUser, pullRequest, pullRequestSimple } from './github-payloads.js'
import { type GitHubStore, type TokenGrant, timestamp } from './github-store.js'

export function listComments(ctx: RouteContext, doc: string): Reply {
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

export function createComment(ctx: RouteContext, doc: string): Reply {
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

export function getComment(ctx: RouteContext, doc: string): Reply {
  if (!isRepo(ctx)) return notFound(doc)
  const refused = denied(ctx, doc, ['issues', 'pullRequests'], 'read')
  if (refused) return refused
  const record = ctx.store.comments.get(num(ctx.params[2]))
  if (!record) return notFound(doc)
  return { status: 200, body: issueComment(record, ctx.store.repo) }
}

// Anyone with write access may edit or delete any comment, ours or not, as on GitHub; that is
// why the comment code has to pick its own by author.
export function updateComment(ctx: RouteContext, doc: string): Reply {
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

export function deleteComment(ctx: RouteContext, doc: string): Reply {
  if (!isRepo(ctx)) return notFound(doc)
  const refused = denied(ctx, doc, ['issues', 'pullRequests'], 'write')
  if (refused) return refused
  if (!ctx.store.comments.delete(num(ctx.params[2]))) return notFound(doc)
  return { status: 204 }
}

export function getPull(ctx: RouteContext, doc: string): Reply {
  if (!isRepo(ctx)) return notFound(doc)
  const refused = denied(ctx, doc, ['pullRequests'], 'read')
  if (refused) return refused
  const pull = ctx.store.pulls.get(num(ctx.params[2]))
  if (!pull) return notFound(doc)
  return { status: 200, body: pullRequest(pull, ctx.store.repo) }
}

export function listPulls(ctx: RouteContext, doc: string): Reply {
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

export function getUser(ctx: RouteContext, doc: string): Reply {
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

export function graphql(ctx: RouteContext, doc: string): Reply {
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
