// Deployments and their statuses, answered like GitHub, including auto_inactive and the rule
// that only inactive deployments (or the last one of an environment) can be deleted.

import {
  denied,
  invalidRequest,
  isRepo,
  notFound,
  num,
  pagedReply,
  type Reply,
  type RouteContext,
  validationFailed,
} from './github-http.js'
import {
  type DeploymentRecord,
  type DeploymentStatusState,
  deployment,
  deploymentStatus,
} from './github-payloads.js'
import { type GitHubStore, type TokenGrant, timestamp } from './github-store.js'

export function createDeployment(ctx: RouteContext, doc: string): Reply {
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

export function listDeployments(ctx: RouteContext, doc: string): Reply {
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

export function getDeployment(ctx: RouteContext, doc: string): Reply {
  const refused = denied(ctx, doc, ['deployments'], 'read')
  const d = refused ?? findDeployment(ctx, doc)
  return 'status' in d ? d : { status: 200, body: deployment(d, ctx.store.repo) }
}

export function deleteDeployment(ctx: RouteContext, doc: string): Reply {
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

export function createStatus(ctx: RouteContext, doc: string): Reply {
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

export function listStatuses(ctx: RouteContext, doc: string): Reply {
  const refused = denied(ctx, doc, ['deployments'], 'read')
  const d = refused ?? findDeployment(ctx, doc)
  if ('status' in d) return d
  const statuses = [...d.statuses].reverse().map((s) => deploymentStatus(s, d, ctx.store.repo))
  return pagedReply(statuses, ctx, `/deployments/${d.id}/statuses`)
}
