import * as core from '@actions/core'
import type { GitHubApi } from './api.js'
import { GitHubApiError } from './errors.js'
import type { RepoRef } from './types.js'

export interface PreviewTarget {
  repo: RepoRef
  name: string
  pull: number
}

export interface PreviewDeployment {
  id: number
  environment: string
}

/** One environment per preview and PR, so PRs and previews never share a deployment history. */
export function previewEnvironment(name: string, pull: number): string {
  return `preview/${name}/pr-${pull}`
}

// GitHub refuses deployment status descriptions over 140 characters.
function shortDescription(text: string): string {
  return text.length <= 140 ? text : `${text.slice(0, 139)}…`
}

/**
 * Runs a deployment call; a token without the deployments permission turns into a warning
 * and `undefined`, since the preview itself works without the Environments panel.
 */
async function tryDeploymentCall<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn()
  } catch (error) {
    if (
      error instanceof GitHubApiError &&
      error.status === 403 &&
      /not accessible/i.test(error.githubMessage)
    ) {
      core.warning(
        `Skipping the GitHub deployment of preview '${name}': the token may not write deployments (${error.githubMessage}). Add 'deployments: write' under 'permissions:' in the workflow to list previews under Environments.`,
      )
      return undefined
    }
    throw error
  }
}

/**
 * Creates the deployment of a preview at `sha` and marks it in progress: two calls. Returns
 * undefined when the token may not write deployments (a warning says so).
 */
export async function startPreviewDeployment(
  api: GitHubApi,
  target: PreviewTarget & { sha: string; logUrl: string },
): Promise<PreviewDeployment | undefined> {
  const environment = previewEnvironment(target.name, target.pull)
  return tryDeploymentCall(target.name, async () => {
    const deployment = await api.createDeployment(target.repo, {
      ref: target.sha,
      environment,
      description: shortDescription(`Ephemera preview '${target.name}' for PR #${target.pull}`),
      transientEnvironment: true,
      productionEnvironment: false,
      payload: { ephemera: { name: target.name, pull: target.pull } },
    })
    await api.createDeploymentStatus(target.repo, deployment.id, {
      state: 'in_progress',
      logUrl: target.logUrl,
      description: 'Deploying',
    })
    core.info(`Created deployment ${deployment.id} in environment '${environment}'.`)
    return { id: deployment.id, environment }
  })
}

/**
 * The newest deployment of a preview at `sha`, for a step that did not create it: one call.
 * Undefined when there is none or the token may not read deployments.
 */
export async function findPreviewDeployment(
  api: GitHubApi,
  target: PreviewTarget & { sha: string },
): Promise<PreviewDeployment | undefined> {
  const environment = previewEnvironment(target.name, target.pull)
  const found = await tryDeploymentCall(target.name, () =>
    api.listDeployments(target.repo, { environment, sha: target.sha }),
  )
  const newest = found?.sort((a, b) => b.id - a.id)[0]
  return newest ? { id: newest.id, environment } : undefined
}

/** Reports the outcome of a preview's deployment: one call. */
export async function completePreviewDeployment(
  api: GitHubApi,
  input: {
    repo: RepoRef
    name: string
    deploymentId: number
    outcome: 'success' | 'failure'
    environmentUrl?: string
    logUrl: string
    description?: string
  },
): Promise<boolean> {
  const description = input.description ?? (input.outcome === 'success' ? 'Ready' : 'Deploy failed')
  const done = await tryDeploymentCall(input.name, async () => {
    await api.createDeploymentStatus(input.repo, input.deploymentId, {
      state: input.outcome,
      description: shortDescription(description),
      logUrl: input.logUrl,
      ...(input.environmentUrl ? { environmentUrl: input.environmentUrl } : {}),
    })
    return true
  })
  return done ?? false
}

/**
 * Marks every deployment of a preview inactive, on teardown: one list, then one call per
 * deployment (GitHub does not retire transient deployments by itself). Returns how many.
 */
export async function deactivatePreviewDeployments(
  api: GitHubApi,
  target: PreviewTarget & { logUrl?: string },
): Promise<number> {
  const environment = previewEnvironment(target.name, target.pull)
  const done = await tryDeploymentCall(target.name, async () => {
    const deployments = await api.listDeployments(target.repo, { environment })
    for (const d of deployments) {
      await api.createDeploymentStatus(target.repo, d.id, {
        state: 'inactive',
        description: 'Preview destroyed',
        ...(target.logUrl ? { logUrl: target.logUrl } : {}),
      })
    }
    if (deployments.length > 0) {
      core.info(`Marked ${deployments.length} deployment(s) of '${environment}' inactive.`)
    }
    return deployments.length
  })
  return done ?? 0
}
