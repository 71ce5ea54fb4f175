import * as core from '@actions/core'
import { SETUP_STATE } from '../constants.js'
import { createDockerEngine } from '../docker/engine.js'
import type { LogsPolicy } from '../inputs/setup.js'
import { tryJobHasFailedStep } from '../setup/job-status.js'
import { runSetupPost } from '../setup/post.js'
import { errorMessage } from '../util/errors.js'

async function post(): Promise<void> {
  try {
    const problems = await runSetupPost(
      {
        containerId: core.getState(SETUP_STATE.containerId),
        containerName: core.getState(SETUP_STATE.containerName),
        engine: core.getState(SETUP_STATE.engine) || 'emulator',
        logs: (core.getState(SETUP_STATE.logs) || 'on-failure') as LogsPolicy,
        mainFailed: core.getState(SETUP_STATE.mainFailed) === 'true',
        endpoint: core.getState(SETUP_STATE.endpoint),
        saveState: core.getState(SETUP_STATE.saveState),
        jobFailed: () => tryJobHasFailedStep(core.getInput('github-token'), process.env),
      },
      createDockerEngine(),
    )
    for (const problem of problems) core.warning(`Cleanup: ${problem}`)
  } catch (error) {
    // Cleanup never fails the job; it says what is left and how to remove it.
    core.warning(`Cleanup failed: ${errorMessage(error)}`)
  }
}

void post()
