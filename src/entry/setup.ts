import * as core from '@actions/core'
import { SETUP_STATE } from '../constants.js'
import { buildBundledLiteImage } from '../container/lite-bundled.js'
import { createDockerEngine } from '../docker/engine.js'
import { readSetupInputs } from '../inputs/setup.js'
import { runSetup } from '../setup/run.js'
import { errorMessage } from '../util/errors.js'

async function main(): Promise<void> {
  try {
    const inputs = readSetupInputs()
    core.saveState(SETUP_STATE.engine, inputs.engine.name)
    core.saveState(SETUP_STATE.logs, inputs.logs)
    core.saveState(SETUP_STATE.saveState, inputs.saveState)
    await runSetup(inputs, {
      docker: createDockerEngine(),
      env: process.env,
      buildLiteImage: buildBundledLiteImage,
    })
  } catch (error) {
    core.saveState(SETUP_STATE.mainFailed, 'true')
    core.setFailed(errorMessage(error))
  }
}

void main()
