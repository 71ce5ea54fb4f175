import * as core from '@actions/core'
import type { DockerEngine } from '../docker/engine.js'
import { lastLines } from '../docker/logs.js'
import { ENGINES, type EngineName } from '../engines.js'
import type { LogsPolicy } from '../inputs/setup.js'
import { errorMessage } from '../util/errors.js'
import { saveEmulatorState } from './save-state.js'

export interface SetupPostState {
  containerId: string
  containerName: string
  engine: string
  logs: LogsPolicy
  /** The main step failed and already showed the logs. */
  mainFailed: boolean
  /** Whether another step of the job failed, when that can be known. */
  jobFailed?: () => Promise<boolean | undefined>
  /** Where the emulator answers, and where to write its state export (empty: nowhere). */
  endpoint?: string
  saveState?: string
}

const LOG_LINES = 200

/**
 * Prints the emulator's logs when asked to, then stops and removes its container. Every step
 * is tried even when one fails; what could not be cleaned up is named with the command that
 * removes it. Returns the problems, which the caller reports as warnings, never as a failure.
 */
export async function runSetupPost(state: SetupPostState, docker: DockerEngine): Promise<string[]> {
  if (state.containerId === '') {
    core.info('No emulator container to clean up.')
    return []
  }
  const id = state.containerId
  const label = `${state.containerName || id.slice(0, 12)}`
  const problems: string[] = []
  const current = await docker.inspectContainer(id).catch((error: unknown) => {
    problems.push(`inspecting ${label} failed: ${errorMessage(error)}`)
    return undefined
  })
  const crashed = current !== undefined && (!current.running || current.exitCode !== 0)
  if (current && (await shouldPrintLogs(state, crashed))) {
    await core.group(`${state.engine} logs (${label})`, async () => {
      try {
        const text = await docker.containerLogs(id, LOG_LINES)
        for (const line of lastLines(text, LOG_LINES)) core.info(line)
      } catch (error) {
        problems.push(`reading logs of ${label} failed: ${errorMessage(error)}`)
      }
    })
  }
  if (state.saveState && state.endpoint) {
    await core.group(`Saving the ${state.engine} state to ${state.saveState}`, async () => {
      const profile = ENGINES[state.engine as EngineName]
      try {
        if (!current?.running) throw new Error('the emulator is not running')
        const size = await saveEmulatorState(
          state.endpoint + (profile?.stateExportPath ?? ''),
          state.saveState ?? '',
        )
        core.info(`Saved ${size} bytes.`)
      } catch (error) {
        problems.push(`saving the state to ${state.saveState} failed: ${errorMessage(error)}`)
      }
    })
  }
  if (crashed && current) {
    core.warning(
      `The ${state.engine} container ${label} had stopped before the end of the job (exit code ${current.exitCode}).`,
    )
  }
  await core.group(`Removing ${state.engine} container ${label}`, async () => {
    try {
      // Removal with force also stops it; a separate stop would only add its grace period.
      await docker.removeContainer(id)
      core.info(`Removed container ${label}.`)
    } catch (error) {
      problems.push(
        `container ${label} (${id}) is still there: ${errorMessage(error)}. Remove it with: docker rm -f ${id}`,
      )
    }
  })
  return problems
}

async function shouldPrintLogs(state: SetupPostState, crashed: boolean): Promise<boolean> {
  if (state.logs === 'always') return true
  if (state.logs === 'never' || state.mainFailed) return false
  return crashed || ((await state.jobFailed?.()) ?? false)
}
