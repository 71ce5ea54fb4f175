import { errorMessage } from '../util/errors.js'

/** A request GitHub refused or failed, independent of the client library that made it. */
export class GitHubApiError extends Error {
  override name = 'GitHubApiError'

  constructor(
    /** HTTP status; 0 when no answer came (network failure). */
    readonly status: number,
    readonly method: string,
    readonly path: string,
    /** GitHub's own message, e.g. "Resource not accessible by integration". */
    readonly githubMessage: string,
    /** GitHub's `x-accepted-github-permissions` header: what the token would need. */
    readonly acceptedPermissions?: string,
  ) {
    super(describe(status, method, path, githubMessage, acceptedPermissions))
  }
}

function describe(
  status: number,
  method: string,
  path: string,
  message: string,
  permissions: string | undefined,
): string {
  const where = `${method} ${path}`
  if (status === 401) {
    return `GitHub rejected the token on ${where} (401 ${message}). Check the 'github-token' input: it must be a valid token, such as the job's GITHUB_TOKEN.`
  }
  if (status === 403 && /not accessible/i.test(message)) {
    const need = permissions ? `the permission ${permissions}` : 'a permission it lacks'
    return `GitHub refused ${where} (403 ${message}): the token needs ${need}. Grant it under 'permissions:' in the workflow, or pass another token in 'github-token'.`
  }
  if (status === 0) return `GitHub could not be reached for ${where}: ${message}`
  return `GitHub answered ${status} to ${where}: ${message}`
}

interface ErrorLike {
  status?: unknown
  message?: unknown
  response?: { data?: unknown; headers?: Record<string, unknown> }
  errors?: Array<{ type?: string; message?: string }>
}

const GRAPHQL_STATUS: Record<string, number> = {
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  RATE_LIMITED: 429,
  UNPROCESSABLE: 422,
}

/** Turns what Octokit throws (REST or GraphQL) into a `GitHubApiError` for `method path`. */
export function toGitHubApiError(error: unknown, method: string, path: string): GitHubApiError {
  if (error instanceof GitHubApiError) return error
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike
  if (Array.isArray(e.errors) && e.errors.length > 0) {
    const first = e.errors[0] ?? {}
    const status = GRAPHQL_STATUS[first.type ?? ''] ?? 502
    return new GitHubApiError(status, method, path, first.message ?? 'GraphQL error')
  }
  if (typeof e.status === 'number') {
    const data = e.response?.data as { message?: unknown } | undefined
    const message = typeof data?.message === 'string' ? data.message : errorMessage(error)
    const accepted = e.response?.headers?.['x-accepted-github-permissions']
    const permissions = typeof accepted === 'string' && accepted !== '' ? accepted : undefined
    return new GitHubApiError(e.status, method, path, message, permissions)
  }
  return new GitHubApiError(0, method, path, errorMessage(error))
}
