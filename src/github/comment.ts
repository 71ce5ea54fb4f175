import * as core from '@actions/core'
import type { GitHubApi, IssueComment } from './api.js'
import {
  type PreviewCommentContent,
  parseRunMarker,
  previewMarker,
  type RunMarker,
  renderComment,
} from './comment-render.js'
import { GitHubApiError } from './errors.js'
import type { RepoRef, RunRef } from './types.js'

export type { PreviewCommentContent, PreviewLink, RunMarker } from './comment-render.js'
export { parseRunMarker, previewMarker, renderComment } from './comment-render.js'
export type { PreviewState, RepoRef, RunRef } from './types.js'

export interface UpsertCommentInput extends PreviewCommentContent {
  repo: RepoRef
  pull: number
}

export type UpsertCommentResult =
  | { action: 'created' | 'updated' | 'unchanged'; commentId: number; htmlUrl: string }
  | { action: 'stale'; reason: string }

// GitHub shows the job token's comments as `github-actions[bot]` in REST, while GraphQL
// author logins drop the suffix; logins are also case-insensitive.
function sameAccount(a: string, b: string): boolean {
  const norm = (login: string) => login.toLowerCase().replace(/\[bot\]$/, '')
  return norm(a) === norm(b)
}

/**
 * Our comments for one preview, oldest first: they carry the preview's marker and were written
 * by the token's own account (anyone can paste a marker into a comment of theirs).
 */
export function findPreviewComments(
  comments: readonly IssueComment[],
  ownLogin: string,
  name: string,
): IssueComment[] {
  const marker = previewMarker(name)
  return comments
    .filter((c) => sameAccount(c.authorLogin, ownLogin) && c.body.includes(marker))
    .sort((a, b) => a.id - b.id)
}

/** Whether the comment was written by a later run of the same commit than `ours`. */
function isLaterRun(recorded: RunMarker | undefined, sha: string, run: RunRef): boolean {
  if (!recorded || recorded.sha !== sha) return false
  return recorded.runId > run.id || (recorded.runId === run.id && recorded.attempt > run.attempt)
}

/**
 * Creates or edits the sticky comment of one preview on a PR. A run whose commit is no longer
 * the PR's head, or an older run of the same commit, leaves the comment alone ('stale');
 * 'destroyed' always writes, since the instance is gone whichever run removed it. Steady state:
 * three calls (PR context, comment list, edit); creating adds one list to settle races.
 */
export async function upsertPreviewComment(
  api: GitHubApi,
  input: UpsertCommentInput,
): Promise<UpsertCommentResult> {
  const { repo, pull } = input
  const [context, comments] = await Promise.all([
    api.getPullContext(repo, pull),
    api.listIssueComments(repo, pull),
  ])
  const short = (sha: string) => sha.slice(0, 7)
  const force = input.state === 'destroyed'

  if (!force && context.headSha !== input.headSha) {
    const reason = `PR #${pull} head is now ${short(context.headSha)}; this run deployed ${short(input.headSha)}.`
    core.info(`Not updating the comment of preview '${input.name}': ${reason}`)
    return { action: 'stale', reason }
  }

  const body = renderComment(input)
  const existing = findPreviewComments(comments, context.viewerLogin, input.name)
  const kept = existing[0]
  if (!kept) return createPreviewComment(api, input, context.viewerLogin, body)

  const recorded = parseRunMarker(kept.body)
  if (!force && isLaterRun(recorded, input.headSha, input.run)) {
    const reason = `run ${recorded?.runId} (attempt ${recorded?.attempt}) of the same commit already wrote it.`
    core.info(`Not updating the comment of preview '${input.name}': ${reason}`)
    return { action: 'stale', reason }
  }
  await deleteDuplicates(api, repo, existing.slice(1))
  if (kept.body === body) {
    core.info(`The comment of preview '${input.name}' is already current: ${kept.htmlUrl}`)
    return { action: 'unchanged', commentId: kept.id, htmlUrl: kept.htmlUrl }
  }
  const updated = await api.updateIssueComment(repo, kept.id, body)
  core.info(`Updated the comment of preview '${input.name}': ${updated.htmlUrl}`)
  return { action: 'updated', commentId: updated.id, htmlUrl: updated.htmlUrl }
}

// Two runs can both find no comment and both create one. Listing again after creating shows
// both; every run keeps the oldest, so they agree without talking to each other.
async function createPreviewComment(
  api: GitHubApi,
  input: UpsertCommentInput,
  ownLogin: string,
  body: string,
): Promise<UpsertCommentResult> {
  const { repo, pull } = input
  const created = await api.createIssueComment(repo, pull, body)
  const after = await api.listIssueComments(repo, pull)
  const ours = findPreviewComments(after, ownLogin, input.name)
  const kept = ours[0]
  if (!kept || kept.id === created.id) {
    await deleteDuplicates(api, repo, ours.slice(1))
    core.info(`Created the comment of preview '${input.name}': ${created.htmlUrl}`)
    return { action: 'created', commentId: created.id, htmlUrl: created.htmlUrl }
  }

  core.info(
    `Another run created the comment of preview '${input.name}' at the same time; keeping the older one.`,
  )
  await deleteDuplicates(api, repo, ours.slice(1))
  if (isLaterRun(parseRunMarker(kept.body), input.headSha, input.run)) {
    return { action: 'stale', reason: 'a later run of the same commit wrote the kept comment.' }
  }
  const updated = await api.updateIssueComment(repo, kept.id, body)
  return { action: 'updated', commentId: updated.id, htmlUrl: updated.htmlUrl }
}

async function deleteDuplicates(
  api: GitHubApi,
  repo: RepoRef,
  duplicates: readonly IssueComment[],
): Promise<void> {
  for (const duplicate of duplicates) {
    try {
      await api.deleteIssueComment(repo, duplicate.id)
    } catch (error) {
      // The other run may have removed it first.
      if (!(error instanceof GitHubApiError && error.status === 404)) throw error
    }
  }
}
