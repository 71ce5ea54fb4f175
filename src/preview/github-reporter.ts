import * as core from '@actions/core'
import type { GitHubApi } from '../github/api.js'
import { upsertPreviewComment } from '../github/comment.js'
import {
  completePreviewDeployment,
  deactivatePreviewDeployments,
  findPreviewDeployment,
  startPreviewDeployment,
} from '../github/deployments.js'
import type { RepoRef, RunRef } from '../github/types.js'
import { errorMessage } from '../util/errors.js'
import type { PreviewReport, PreviewReporter } from './report.js'

export interface GitHubReporterOptions {
  repo: RepoRef
  run: RunRef
  comment: boolean
  deployment: boolean
  /** Values blanked out of everything posted. */
  secrets: string[]
}

/**
 * Shows a preview's state in its sticky PR comment and its GitHub deployment. A GitHub error
 * becomes a warning: the preview itself works without either.
 */
export function createGitHubReporter(api: GitHubApi, opts: GitHubReporterOptions): PreviewReporter {
  const deployments = new Map<string, number>()
  return {
    async report(r: PreviewReport): Promise<void> {
      await Promise.all([
        opts.comment ? updateComment(api, opts, r) : undefined,
        opts.deployment ? updateDeployment(api, opts, r, deployments) : undefined,
      ])
    },
  }
}

async function updateComment(
  api: GitHubApi,
  opts: GitHubReporterOptions,
  r: PreviewReport,
): Promise<void> {
  try {
    await upsertPreviewComment(api, {
      repo: opts.repo,
      pull: r.key.pr,
      name: r.key.name,
      state: r.state,
      headSha: r.sha,
      run: opts.run,
      secrets: opts.secrets,
      ...(r.url ? { url: r.url } : {}),
      ...(r.links ? { links: r.links } : {}),
      ...(r.expiresAt ? { expiresAt: r.expiresAt } : {}),
      ...(r.message ? { message: r.message } : {}),
      ...(r.deployOutput ? { deployOutput: r.deployOutput } : {}),
      ...(r.instanceLogs ? { instanceLogs: r.instanceLogs } : {}),
    })
  } catch (error) {
    core.warning(
      `Could not update the PR comment of preview '${r.key.name}': ${errorMessage(error)}`,
    )
  }
}

async function updateDeployment(
  api: GitHubApi,
  opts: GitHubReporterOptions,
  r: PreviewReport,
  known: Map<string, number>,
): Promise<void> {
  const target = { repo: opts.repo, name: r.key.name, pull: r.key.pr }
  try {
    if (r.state === 'deploying') {
      const created = await startPreviewDeployment(api, {
        ...target,
        sha: r.sha,
        logUrl: opts.run.url,
      })
      if (created) known.set(r.key.name, created.id)
      return
    }
    if (r.state === 'destroyed') {
      await deactivatePreviewDeployments(api, { ...target, logUrl: opts.run.url })
      return
    }
    const id =
      known.get(r.key.name) ?? (await findPreviewDeployment(api, { ...target, sha: r.sha }))?.id
    if (id === undefined) return
    await completePreviewDeployment(api, {
      repo: opts.repo,
      name: r.key.name,
      deploymentId: id,
      outcome: r.state === 'ready' ? 'success' : 'failure',
      logUrl: opts.run.url,
      ...(r.url ? { environmentUrl: r.url } : {}),
      ...(r.message ? { description: r.message } : {}),
    })
  } catch (error) {
    core.warning(
      `Could not update the GitHub deployment of preview '${r.key.name}': ${errorMessage(error)}`,
    )
  }
}
