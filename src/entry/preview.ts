import * as core from '@actions/core'
import { readPreviewInputs } from '../inputs/preview.js'
import { runPreview } from '../preview/run.js'
import { createProvider } from '../providers/factory.js'
import { errorMessage } from '../util/errors.js'
import { gitHubFor, readEvent, reporterFor } from './context.js'

async function main(): Promise<void> {
  try {
    const env = process.env
    const inputs = readPreviewInputs(env)
    const github = gitHubFor(inputs.githubToken, env)
    const reporter = reporterFor(github, env, {
      comment: inputs.comment,
      deployment: inputs.deployment,
      secrets: [inputs.githubToken, inputs.authToken],
    })
    await runPreview(inputs, {
      provider: createProvider(inputs),
      github,
      reporter,
      env,
      event: readEvent(env),
    })
  } catch (error) {
    core.setFailed(errorMessage(error))
  }
  // Octokit's keep-alive sockets would hold the process open after the outputs are written.
  process.exit(process.exitCode ?? 0)
}

void main()
