import http from 'node:http'
import https from 'node:https'
import * as core from '@actions/core'

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

// node:http(s) rather than fetch: fetch loads undici, tens of milliseconds at every post step.
function getJson(url: string, token: string): Promise<unknown> {
  const client = url.startsWith('https:') ? https : http
  return new Promise((resolve, reject) => {
    const request = client.get(
      url,
      {
        timeout: 5000,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/vnd.github+json',
          'user-agent': 'ephemera',
          'x-github-api-version': '2022-11-28',
        },
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          if (response.statusCode !== 200) reject(new Error(`HTTP ${response.statusCode}`))
          else resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
        })
      },
    )
    request.on('timeout', () => request.destroy(new Error('no answer within 5 s')))
    request.on('error', reject)
  })
}
