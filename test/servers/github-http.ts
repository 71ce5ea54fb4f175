// Shared pieces of the loopback GitHub server's routes: request context, GitHub's error bodies,
// permission checks and paging.
import type { GitHubStore, Permission, TokenGrant } from './github-store.js'

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

export interface Route {
  method: string
  pattern: RegExp
  doc: string
  handle: (ctx: RouteContext, doc: string) => Reply
}

export const DOCS = 'https://docs.github.com/rest'
export const REPO = '/repos/([^/]+)/([^/]+)'

export function notFound(doc: string): Reply {
  return { status: 404, body: { message: 'Not Found', documentation_url: doc, status: '404' } }
}

export function validationFailed(
  doc: string,
  errors: Array<{ resource: string; field: string; code: string; message?: string }>,
): Reply {
  return {
    status: 422,
    body: { message: 'Validation Failed', errors, documentation_url: doc, status: '422' },
  }
}

export function invalidRequest(doc: string, message: string): Reply {
  return { status: 422, body: { message, documentation_url: doc, status: '422' } }
}

export const RANK: Record<Permission, number> = { none: 0, read: 1, write: 2 }

// Comments on a pull request are reachable with either the issues or the pull-requests grant.
export type Scope = 'issues' | 'pullRequests' | 'deployments'
export const SCOPE_NAMES: Record<Scope, string> = {
  issues: 'issues',
  pullRequests: 'pull_requests',
  deployments: 'deployments',
}

export function denied(
  ctx: RouteContext,
  doc: string,
  scopes: Scope[],
  level: Permission,
): Reply | null {
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

export function isRepo(ctx: RouteContext): boolean {
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

export function pagedReply<T>(items: T[], ctx: RouteContext, subPath: string): Reply {
  const repo = ctx.store.repo
  const { items: page, link } = paginate(
    items,
    ctx,
    `${repo.baseUrl}/repositories/${repo.id}${subPath}`,
  )
  return { status: 200, body: page, headers: link ? { link } : {} }
}

export function num(value: string | undefined): number {
  return Number(value)
}
