import * as core from '@actions/core'
import { InputError } from '../util/errors.js'
import { readBoolean, readChoice, readWholeNumber } from './parse.js'
import {
  type DockerProviderInputs,
  type EcsConnectionInputs,
  readDockerProviderInputs,
  readEcsConnectionInputs,
} from './preview.js'

export type FinishMode = 'finalize' | 'teardown' | 'sweep'
export type JobStatus = 'success' | 'failure' | 'cancelled'

export interface FinishInputs {
  mode: FinishMode
  status: JobStatus | undefined
  name: string | undefined
  prNumber: number | undefined
  dryRun: boolean
  provider: 'docker' | 'ecs'
  githubToken: string
  comment: boolean
  deployment: boolean
  docker: DockerProviderInputs
  /** Set when provider is ecs. */
  ecs: EcsConnectionInputs | undefined
}

/** Reads the finish inputs; the mode comes from the event when the input is empty. */
export function readFinishInputs(
  event: { name: string; payload: Record<string, unknown> },
  env: NodeJS.ProcessEnv = process.env,
): FinishInputs {
  const githubToken = core.getInput('github-token')
  if (githubToken !== '') core.setSecret(githubToken)
  const mode =
    core.getInput('mode') === ''
      ? modeFromEvent(event)
      : readChoice('mode', ['finalize', 'teardown', 'sweep'] as const)
  const rawStatus = core.getInput('status')
  const status =
    rawStatus === ''
      ? undefined
      : readChoice('status', ['success', 'failure', 'cancelled'] as const)
  if (mode === 'finalize' && !status) {
    throw new InputError(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the text shows workflow syntax.
      "Input 'status' is empty; mode 'finalize' needs the job's status: status: ${{ job.status }}",
    )
  }
  const name = core.getInput('name')
  const provider = readChoice('provider', ['docker', 'ecs'] as const)
  return {
    mode,
    status,
    name: name === '' ? undefined : name,
    prNumber:
      core.getInput('pr-number') === ''
        ? undefined
        : readWholeNumber('pr-number', 1, 1e9, 'numbers'),
    dryRun: readBoolean('dry-run'),
    provider,
    githubToken,
    comment: readBoolean('comment'),
    deployment: readBoolean('deployment'),
    docker: readDockerProviderInputs(env),
    ecs: provider === 'ecs' ? readEcsConnectionInputs(env) : undefined,
  }
}

/** Teardown when a PR closes, sweep on a schedule, finalize at the end of any other run. */
export function modeFromEvent(event: {
  name: string
  payload: Record<string, unknown>
}): FinishMode {
  if (
    (event.name === 'pull_request' || event.name === 'pull_request_target') &&
    event.payload.action === 'closed'
  ) {
    return 'teardown'
  }
  if (event.name === 'schedule') return 'sweep'
  return 'finalize'
}
