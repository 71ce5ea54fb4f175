import * as core from '@actions/core'
import { runFinish } from '../finish/run.js'
import { readFinishInputs } from '../inputs/finish.js'
import { createProvider } from '../providers/factory.js'
import { errorMessage } from '../util/errors.js'
import { gitHubFor, readEvent, reporterFor } from './context.js'

async function main(): Promise<void> {
  try {
    const env = process.env
    const event = readEvent(env)
    const inputs = readFinishInputs(event, env)
    const github = gitHubFor(inputs.githubToken, env)
    const reporter = reporterFor(github, env, {
      comment: inputs.comment,
      deployment: inputs.deployment,
      secrets: [inputs.githubToken],
    })
    await runFinish(inputs, { provider: createProvider(inputs), github, reporter, env, event })
  } catch (error) {
    core.setFailed(errorMessage(error))
  }
  // Octokit's keep-alive sockets would hold the process open after the outputs are written.
  process.exit(process.exitCode ?? 0)
}

void main()
