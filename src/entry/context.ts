import { readFileSync } from 'node:fs'
import * as core from '@actions/core'
import { createGitHubApi, type GitHubApi } from '../github/api.js'
import { repoOf, runLink } from '../github/context.js'
import type { RunRef } from '../github/types.js'
import { createGitHubReporter } from '../preview/github-reporter.js'
import { type PreviewReporter, silentReporter } from '../preview/report.js'

/** The event that started the run, read from the file the runner names. */
export function readEvent(env: NodeJS.ProcessEnv): {
  name: string
  payload: Record<string, unknown>
} {
  const path = env.GITHUB_EVENT_PATH
  let payload: Record<string, unknown> = {}
  if (path) {
    try {
      payload = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
    } catch (error) {
      core.warning(`Could not read the event payload at ${path}: ${(error as Error).message}`)
    }
  }
  return { name: env.GITHUB_EVENT_NAME ?? '', payload }
}

/** The GitHub client, or undefined (with a warning) when no token was given. */
export function gitHubFor(token: string, env: NodeJS.ProcessEnv): GitHubApi | undefined {
  if (token === '') {
    core.warning("Input 'github-token' is empty: no PR comment, no deployment, no PR lookups.")
    return undefined
  }
  return createGitHubApi({
    token,
    baseUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    userAgent: 'ephemera',
  })
}

export function runOf(env: NodeJS.ProcessEnv): RunRef {
  return {
    id: Number(env.GITHUB_RUN_ID ?? 0),
    attempt: Number(env.GITHUB_RUN_ATTEMPT ?? 1),
    url: runLink(env),
  }
}

/** Where a preview's state is shown: its PR comment and deployment, or nowhere without a token. */
export function reporterFor(
  github: GitHubApi | undefined,
  env: NodeJS.ProcessEnv,
  opts: { comment: boolean; deployment: boolean; secrets: string[] },
): PreviewReporter {
  if (!github) return silentReporter
  return createGitHubReporter(github, { repo: repoOf(env), run: runOf(env), ...opts })
}
