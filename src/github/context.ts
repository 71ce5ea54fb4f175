import { ActionError } from '../util/errors.js'
import type { RepoRef } from './types.js'

// What the runner tells every step about the repository and the run.

/** The repository the workflow runs in. */
export function repoOf(env: NodeJS.ProcessEnv): RepoRef {
  const [owner = '', repo = ''] = (env.GITHUB_REPOSITORY ?? '').split('/')
  if (owner === '' || repo === '')
    throw new ActionError('GITHUB_REPOSITORY is not set; run this inside a GitHub Actions job.')
  return { owner, repo }
}

/** The link to this run (and attempt) on GitHub. */
export function runLink(env: NodeJS.ProcessEnv): string {
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com'
  return `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : ''}`
}
