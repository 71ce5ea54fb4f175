import type { GitHubApi } from '../github/api.js'
import type { RepoRef } from '../github/types.js'
import { InputError } from '../util/errors.js'

export interface PullRequestRef {
  number: number
  headSha: string
  headRef: string
  state: 'open' | 'closed'
}

export type PullRequestResolution =
  | { kind: 'pull'; pull: PullRequestRef }
  | { kind: 'skip'; reason: string }

interface PullPayload {
  number?: number
  state?: string
  head?: { sha?: string; ref?: string; repo?: { full_name?: string } | null }
  base?: { repo?: { full_name?: string } }
}

interface WorkflowRunPayload {
  head_sha?: string
  head_branch?: string
  head_repository?: { owner?: { login?: string } }
  pull_requests?: Array<{ number?: number; head?: { sha?: string; ref?: string } }>
}

/** The `workflow_run` pattern, for the fork notice. */
const WORKFLOW_RUN_HINT =
  "PRs from forks get no secrets and a read-only token on 'pull_request'. Build in that workflow, then run preview from a second workflow 'on: workflow_run' (types: [completed]), which runs with the base repository's secrets; preview finds the PR from the run."

/** Finds the PR this run is about, from the event that started it. */
export async function resolvePullRequest(
  eventName: string,
  payload: Record<string, unknown>,
  prNumber: number | undefined,
  repo: RepoRef,
  github: GitHubApi | undefined,
): Promise<PullRequestResolution> {
  if (prNumber !== undefined) return { kind: 'pull', pull: await fetchPull(github, repo, prNumber) }
  if (eventName === 'pull_request' || eventName === 'pull_request_target') {
    const pr = payload.pull_request as PullPayload | undefined
    if (!pr?.number)
      throw new InputError(
        `The ${eventName} event has no pull_request; is GITHUB_EVENT_PATH the event file?`,
      )
    const headRepo = pr.head?.repo?.full_name
    const baseRepo = pr.base?.repo?.full_name
    if (eventName === 'pull_request' && headRepo && baseRepo && headRepo !== baseRepo) {
      return {
        kind: 'skip',
        reason: `PR #${pr.number} comes from the fork ${headRepo}. ${WORKFLOW_RUN_HINT}`,
      }
    }
    return {
      kind: 'pull',
      pull: {
        number: pr.number,
        headSha: pr.head?.sha ?? '',
        headRef: pr.head?.ref ?? '',
        state: pr.state === 'closed' ? 'closed' : 'open',
      },
    }
  }
  if (eventName === 'workflow_run') return resolveFromWorkflowRun(payload, repo, github)
  if (eventName === 'workflow_dispatch') {
    throw new InputError(
      "Input 'pr-number' is empty; a workflow_dispatch run must say which PR to preview.",
    )
  }
  throw new InputError(
    `preview runs on pull_request, pull_request_target, workflow_run, or workflow_dispatch with 'pr-number'; this run is a '${eventName}' event. Set 'pr-number' to preview a PR from it.`,
  )
}

async function resolveFromWorkflowRun(
  payload: Record<string, unknown>,
  repo: RepoRef,
  github: GitHubApi | undefined,
): Promise<PullRequestResolution> {
  const run = payload.workflow_run as WorkflowRunPayload | undefined
  const listed = run?.pull_requests?.[0]?.number
  if (listed) return { kind: 'pull', pull: await fetchPull(github, repo, listed) }
  // workflow_run lists no PRs when the head branch lives in a fork: look it up by branch.
  const owner = run?.head_repository?.owner?.login
  if (!owner || !run?.head_branch)
    return {
      kind: 'skip',
      reason: 'The workflow_run event names no head branch, so no PR can be found for it.',
    }
  if (!github)
    throw new InputError(
      "Input 'github-token' is empty; it is needed to find the PR of a workflow_run.",
    )
  const pulls = await github.listPulls(repo, { state: 'open', head: `${owner}:${run.head_branch}` })
  const pull = pulls.find((p) => p.headSha === run.head_sha) ?? pulls[0]
  if (!pull)
    return { kind: 'skip', reason: `No open PR has the head branch ${owner}:${run.head_branch}.` }
  return {
    kind: 'pull',
    pull: { number: pull.number, headSha: pull.headSha, headRef: pull.headRef, state: pull.state },
  }
}

async function fetchPull(
  github: GitHubApi | undefined,
  repo: RepoRef,
  number: number,
): Promise<PullRequestRef> {
  if (!github)
    throw new InputError(`Input 'github-token' is empty; it is needed to look up PR #${number}.`)
  const pull = await github.getPull(repo, number)
  return { number: pull.number, headSha: pull.headSha, headRef: pull.headRef, state: pull.state }
}
