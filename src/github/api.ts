import * as core from '@actions/core'
import { GitHubApiError, toGitHubApiError } from './errors.js'
import { createOctokit, type GitHubApiOptions } from './octokit.js'
import type { RepoRef } from './types.js'

export { GitHubApiError } from './errors.js'
export type { GitHubApiOptions } from './octokit.js'

export interface IssueComment {
  id: number
  body: string
  authorLogin: string
  htmlUrl: string
  createdAt: string
}

export interface PullSummary {
  number: number
  state: 'open' | 'closed'
  headRef: string
  headSha: string
  htmlUrl: string
}

/** What the comment code needs to know before it writes: who we are and where the PR is. */
export interface PullContext {
  /** The token's own login, as REST shows it on comments (`github-actions[bot]` for the job token). */
  viewerLogin: string
  headSha: string
  state: 'open' | 'closed' | 'merged'
}

export interface Deployment {
  id: number
  environment: string
  ref: string
  sha: string
  createdAt: string
}

export interface NewDeployment {
  ref: string
  environment: string
  description: string
  transientEnvironment: boolean
  productionEnvironment: boolean
  payload?: Record<string, unknown>
}

export type DeploymentState =
  | 'queued'
  | 'pending'
  | 'in_progress'
  | 'success'
  | 'failure'
  | 'error'
  | 'inactive'

export interface NewDeploymentStatus {
  state: DeploymentState
  description?: string
  environmentUrl?: string
  logUrl?: string
}

/** The part of GitHub's API that Ephemera calls; the rest of `src/` sees only this. */
export interface GitHubApi {
  getPullContext(repo: RepoRef, pull: number): Promise<PullContext>
  getPull(repo: RepoRef, pull: number): Promise<PullSummary>
  /** `head` is `owner:branch`, as GitHub expects it. */
  listPulls(
    repo: RepoRef,
    filter: { state?: 'open' | 'closed' | 'all'; head?: string },
  ): Promise<PullSummary[]>
  listIssueComments(repo: RepoRef, issue: number): Promise<IssueComment[]>
  createIssueComment(repo: RepoRef, issue: number, body: string): Promise<IssueComment>
  updateIssueComment(repo: RepoRef, commentId: number, body: string): Promise<IssueComment>
  deleteIssueComment(repo: RepoRef, commentId: number): Promise<void>
  createDeployment(repo: RepoRef, deployment: NewDeployment): Promise<Deployment>
  listDeployments(
    repo: RepoRef,
    filter: { environment?: string; ref?: string; sha?: string },
  ): Promise<Deployment[]>
  createDeploymentStatus(
    repo: RepoRef,
    deploymentId: number,
    status: NewDeploymentStatus,
  ): Promise<void>
}

const PULL_CONTEXT_QUERY = `query ephemeraPullContext($owner: String!, $name: String!, $number: Int!) {
  viewer { login }
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) { headRefOid state }
  }
}`

interface PullContextResponse {
  viewer: { login: string }
  repository: { pullRequest: { headRefOid: string; state: string } | null } | null
}

/** Builds the real `GitHubApi` over REST (and one GraphQL query), with retries and throttling. */
export function createGitHubApi(options: GitHubApiOptions): GitHubApi {
  core.setSecret(options.token)
  const octokit = createOctokit(options)

  async function call<T>(method: string, path: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      throw toGitHubApiError(error, method, path)
    }
  }

  return {
    getPullContext: (repo, pull) =>
      call('POST', '/graphql', async () => {
        const vars = { owner: repo.owner, name: repo.repo, number: pull }
        const data = await octokit.graphql<PullContextResponse>(PULL_CONTEXT_QUERY, vars)
        const pr = data.repository?.pullRequest
        if (!pr) {
          throw new GitHubApiError(404, 'POST', '/graphql', `Pull request #${pull} not found`)
        }
        const state = pr.state === 'MERGED' ? 'merged' : pr.state === 'CLOSED' ? 'closed' : 'open'
        return { viewerLogin: data.viewer.login, headSha: pr.headRefOid, state }
      }),
    getPull: (repo, pull) =>
      call('GET', `/repos/${repo.owner}/${repo.repo}/pulls/${pull}`, async () => {
        const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: pull })
        return toPullSummary(data)
      }),
    listPulls: (repo, filter) =>
      call('GET', `/repos/${repo.owner}/${repo.repo}/pulls`, async () => {
        const params = { ...repo, state: filter.state ?? 'open', per_page: 100 }
        const pulls = await octokit.paginate(octokit.rest.pulls.list, {
          ...params,
          ...(filter.head ? { head: filter.head } : {}),
        })
        return pulls.map(toPullSummary)
      }),
    listIssueComments: (repo, issue) =>
      call('GET', `/repos/${repo.owner}/${repo.repo}/issues/${issue}/comments`, async () => {
        const params = { ...repo, issue_number: issue, per_page: 100 }
        const comments = await octokit.paginate(octokit.rest.issues.listComments, params)
        return comments.map(toIssueComment)
      }),
    createIssueComment: (repo, issue, body) =>
      call('POST', `/repos/${repo.owner}/${repo.repo}/issues/${issue}/comments`, async () => {
        const params = { ...repo, issue_number: issue, body }
        const { data } = await octokit.rest.issues.createComment(params)
        return toIssueComment(data)
      }),
    updateIssueComment: (repo, commentId, body) =>
      call('PATCH', `/repos/${repo.owner}/${repo.repo}/issues/comments/${commentId}`, async () => {
        const params = { ...repo, comment_id: commentId, body }
        const { data } = await octokit.rest.issues.updateComment(params)
        return toIssueComment(data)
      }),
    deleteIssueComment: (repo, commentId) =>
      call('DELETE', `/repos/${repo.owner}/${repo.repo}/issues/comments/${commentId}`, async () => {
        await octokit.rest.issues.deleteComment({ ...repo, comment_id: commentId })
      }),
    createDeployment: (repo, d) =>
      call('POST', `/repos/${repo.owner}/${repo.repo}/deployments`, async () => {
        const response = await octokit.rest.repos.createDeployment({
          ...repo,
          ref: d.ref,
          environment: d.environment,
          description: d.description,
          transient_environment: d.transientEnvironment,
          production_environment: d.productionEnvironment,
          payload: d.payload ?? {},
          auto_merge: false,
          required_contexts: [],
        })
        // 202 means GitHub merged the default branch first; we ask it never to (auto_merge).
        if (response.status !== 201 || !('id' in response.data)) {
          throw new GitHubApiError(response.status, 'POST', '/deployments', 'No deployment created')
        }
        return toDeployment(response.data)
      }),
    listDeployments: (repo, filter) =>
      call('GET', `/repos/${repo.owner}/${repo.repo}/deployments`, async () => {
        const params = { ...repo, ...filter, per_page: 100 }
        const deployments = await octokit.paginate(octokit.rest.repos.listDeployments, params)
        return deployments.map(toDeployment)
      }),
    createDeploymentStatus: (repo, deploymentId, s) =>
      call(
        'POST',
        `/repos/${repo.owner}/${repo.repo}/deployments/${deploymentId}/statuses`,
        async () => {
          await octokit.rest.repos.createDeploymentStatus({
            ...repo,
            deployment_id: deploymentId,
            state: s.state,
            ...(s.description !== undefined ? { description: s.description } : {}),
            ...(s.environmentUrl !== undefined ? { environment_url: s.environmentUrl } : {}),
            ...(s.logUrl !== undefined ? { log_url: s.logUrl } : {}),
          })
        },
      ),
  }
}

interface RawUser {
  login: string
}

function toIssueComment(c: {
  id: number | bigint
  body?: string
  user: RawUser | null
  html_url: string
  created_at: string
}): IssueComment {
  return {
    id: Number(c.id),
    body: c.body ?? '',
    authorLogin: c.user?.login ?? '',
    htmlUrl: c.html_url,
    createdAt: c.created_at,
  }
}

function toPullSummary(p: {
  number: number
  state: string
  html_url: string
  head: { ref: string; sha: string }
}): PullSummary {
  return {
    number: p.number,
    state: p.state === 'closed' ? 'closed' : 'open',
    headRef: p.head.ref,
    headSha: p.head.sha,
    htmlUrl: p.html_url,
  }
}

function toDeployment(d: {
  id: number | bigint
  environment: string
  ref: string
  sha: string
  created_at: string
}): Deployment {
  return {
    id: Number(d.id),
    environment: d.environment,
    ref: d.ref,
    sha: d.sha,
    createdAt: d.created_at,
  }
}
