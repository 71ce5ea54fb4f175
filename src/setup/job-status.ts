import * as core from '@actions/core'
import { getText } from '../util/http.js'

interface JobsPage {
  jobs?: Array<{
    runner_name?: string | null
    status?: string
    steps?: Array<{ name?: string; conclusion?: string | null }>
  }>
}

/**
 * Whether a step of this job has failed, asked of GitHub's jobs API with the job token (it
 * needs `actions: read`). A post step has no other way to learn it. Undefined when it cannot
 * tell; the caller then decides from the emulator alone.
 */
export async function tryJobHasFailedStep(
  token: string,
  env: NodeJS.ProcessEnv,
): Promise<boolean | undefined> {
  const {
    GITHUB_API_URL: api,
    GITHUB_REPOSITORY: repo,
    GITHUB_RUN_ID: run,
    RUNNER_NAME: runner,
  } = env
  if (!token || !api || !repo || !run || !runner) return undefined
  const attempt = env.GITHUB_RUN_ATTEMPT ?? '1'
  const url = `${api.replace(/\/+$/, '')}/repos/${repo}/actions/runs/${run}/attempts/${attempt}/jobs?per_page=100`
  try {
    const page = (await getJson(url, token)) as JobsPage
    const job = page.jobs?.find((j) => j.runner_name === runner && j.status === 'in_progress')
    if (!job) return undefined
    const failed = job.steps?.filter((s) => s.conclusion === 'failure') ?? []
    if (failed.length > 0)
      core.info(`Failed step(s) in this job: ${failed.map((s) => s.name).join(', ')}.`)
    return failed.length > 0
  } catch (error) {
    core.debug(
      `Could not read this job's steps (${(error as Error).message}); logs follow the emulator's state only.`,
    )
    return undefined
  }
}

async function getJson(url: string, token: string): Promise<unknown> {
  const { status, body } = await getText(url, {
    timeoutMs: 5000,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/vnd.github+json',
      'user-agent': 'ephemera',
      'x-github-api-version': '2022-11-28',
    },
  })
  if (status !== 200) throw new Error(`HTTP ${status}`)
  return JSON.parse(body)
}
