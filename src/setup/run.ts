import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as core from '@actions/core'
import { EMULATOR_CREDENTIALS, SETUP_OUTPUTS, SETUP_STATE } from '../constants.js'
import { ensureImage } from '../container/image.js'
import { describeServices, type Probe } from '../container/probe.js'
import { buildEmulatorSpec, containerName, endpointUrl, setupLabels } from '../container/spec.js'
import { waitUntilReady } from '../container/wait-ready.js'
import type { DockerEngine, ImageInfo } from '../docker/engine.js'
import { lastLines } from '../docker/logs.js'
import type { SetupInputs } from '../inputs/setup.js'
import { type Clock, systemClock } from '../util/clock.js'
import { ActionError, errorMessage } from '../util/errors.js'
import { writeSetupSummary } from './summary.js'

export interface SetupDeps {
  docker: DockerEngine
  env: NodeJS.ProcessEnv
  clock?: Clock
  /** Builds the lite engine's image when it is missing (no registry needed). */
  buildLiteImage?: (docker: DockerEngine, tag: string) => Promise<void>
}

export interface SetupResult {
  endpointUrl: string
  containerId: string
  version: string
  startupMs: number
}

const LOG_TAIL_LINES = 50

/** Starts the emulator, waits until it is ready and hands it to later steps. */
export async function runSetup(inputs: SetupInputs, deps: SetupDeps): Promise<SetupResult> {
  const url = endpointUrl(inputs.port)
  if (inputs.skipStartup) {
    core.info(`Input 'skip-startup' is true: nothing is started; later steps get ${url}.`)
    exportEndpoint(url, inputs, deps.env)
    setOutputs({ endpointUrl: url, containerId: '', version: '', startupMs: 0 }, inputs)
    return { endpointUrl: url, containerId: '', version: '', startupMs: 0 }
  }
  const { docker } = deps
  const clock = deps.clock ?? systemClock
  await core.group('Checking the Docker engine', () => docker.ping())
  const image = await core.group(`Preparing image ${inputs.image}`, () =>
    ensureImage(docker, inputs.image, {
      policy: inputs.pull,
      ...(inputs.engine.name === 'lite' && !inputs.customImage && deps.buildLiteImage
        ? { build: () => deps.buildLiteImage?.(docker, inputs.image) ?? Promise.resolve() }
        : {}),
      clock,
    }),
  )
  core.saveState(SETUP_STATE.endpoint, url)
  const id = await core.group(`Starting ${inputs.engine.name} container`, () =>
    startContainer(inputs, deps),
  )
  const started = clock.now()
  let probe: Probe | undefined
  if (inputs.wait) {
    try {
      probe = await core.group(`Waiting for ${inputs.engine.name} to be ready`, () =>
        waitForEmulator(docker, id, url, inputs, clock),
      )
    } catch (error) {
      await removeAfterFailure(docker, id)
      throw error
    }
  } else {
    core.info(`Input 'wait' is false: not waiting for readiness.`)
  }
  const startupMs = clock.now() - started
  const result = { endpointUrl: url, containerId: id, version: probe?.version ?? '', startupMs }
  exportEndpoint(url, inputs, deps.env)
  setOutputs(result, inputs)
  core.info(`${inputs.engine.name} is ${probe ? `ready in ${startupMs} ms` : 'started'} at ${url}.`)
  await writeSummary(inputs, image, result, probe)
  return result
}

async function startContainer(inputs: SetupInputs, deps: SetupDeps): Promise<string> {
  const name = containerName(inputs.engine.name, deps.env.GITHUB_RUN_ID)
  const { spec, warnings } = buildEmulatorSpec(
    { ...inputs, labels: setupLabels(inputs.engine.name, deps.env) },
    name,
    deps.docker.endpoint,
  )
  for (const warning of warnings) core.warning(warning)
  const id = await deps.docker.createContainer(spec)
  // Saved before start: if start fails, the post step still finds and removes the container.
  core.saveState(SETUP_STATE.containerId, id)
  core.saveState(SETUP_STATE.containerName, name)
  try {
    await deps.docker.startContainer(id)
  } catch (error) {
    throw new ActionError(
      `Starting container ${name} from ${inputs.image} failed: ${errorMessage(error)}${portHint(error, inputs)}`,
    )
  }
  core.info(`Container ${name} (${id.slice(0, 12)}) started from ${inputs.image}.`)
  return id
}

function portHint(error: unknown, inputs: SetupInputs): string {
  return /address already in use|port is already allocated/i.test(errorMessage(error))
    ? `. Port ${inputs.port} is taken on the runner; set input 'port' to a free one.`
    : ''
}

async function waitForEmulator(
  docker: DockerEngine,
  id: string,
  url: string,
  inputs: SetupInputs,
  clock: Clock,
): Promise<Probe> {
  const result = await waitUntilReady({
    baseUrl: url,
    profile: inputs.engine,
    timeoutMs: inputs.waitTimeoutSeconds * 1000,
    containerState: () => docker.inspectContainer(id),
    onProbe: (probe, attempt) => core.debug(`readiness probe ${attempt}: ${probe.detail}`),
    clock,
  })
  if (result.outcome === 'ready') return result.probe
  const tail = await logTail(docker, id)
  if (tail.length > 0) {
    await core.group(`${inputs.engine.name} logs (last ${tail.length} lines)`, async () => {
      for (const line of tail) core.info(line)
    })
  }
  const last = tail.slice(-10).join('\n')
  if (result.outcome === 'exited') {
    const state = result.state
    const how = !state
      ? 'its container disappeared'
      : `its container exited with code ${state.exitCode}${state.oomKilled ? ' (killed: out of memory)' : ''}${state.error ? ` (${state.error})` : ''}`
    throw new ActionError(
      `${inputs.engine.name} stopped during startup after ${(result.ms / 1000).toFixed(1)} s: ${how}. Last log lines:\n${last || '(no output)'}`,
    )
  }
  const seen = result.last ? result.last.detail : 'no answer'
  throw new ActionError(
    `${inputs.engine.name} was not ready after ${inputs.waitTimeoutSeconds} s (input 'wait-timeout'); last seen: ${seen}. Raise 'wait-timeout' if it is just slow. Last log lines:\n${last || '(no output)'}`,
  )
}

/** The logs are already shown; free the port now rather than at the end of the job. */
async function removeAfterFailure(docker: DockerEngine, id: string): Promise<void> {
  try {
    await docker.removeContainer(id)
    core.saveState(SETUP_STATE.containerId, '')
  } catch (error) {
    core.warning(
      `Could not remove container ${id.slice(0, 12)} now (${errorMessage(error)}); the post step tries again.`,
    )
  }
}

async function logTail(docker: DockerEngine, id: string): Promise<string[]> {
  try {
    return lastLines(await docker.containerLogs(id, LOG_TAIL_LINES), LOG_TAIL_LINES)
  } catch (error) {
    return [`(could not read the container's logs: ${errorMessage(error)})`]
  }
}

function setOutputs(result: SetupResult, inputs: SetupInputs): void {
  core.setOutput(SETUP_OUTPUTS.endpointUrl, result.endpointUrl)
  core.setOutput(SETUP_OUTPUTS.containerId, result.containerId)
  core.setOutput(SETUP_OUTPUTS.engine, inputs.engine.name)
  core.setOutput(SETUP_OUTPUTS.version, result.version)
  core.setOutput(SETUP_OUTPUTS.startupMs, String(result.startupMs))
}

/** Endpoint for every later step; credentials and region only where the job set none. */
function exportEndpoint(url: string, inputs: SetupInputs, env: NodeJS.ProcessEnv): void {
  core.exportVariable('AWS_ENDPOINT_URL', url)
  for (const [key, value] of Object.entries(EMULATOR_CREDENTIALS)) {
    if (!env[key]) core.exportVariable(key, value)
  }
  installAwslocal(env)
  core.debug(`exported AWS_ENDPOINT_URL=${url} for ${inputs.engine.name}`)
}

/** `awslocal` on PATH: the aws CLI pointed at the emulator, reading the endpoint at run time. */
function installAwslocal(env: NodeJS.ProcessEnv): void {
  const base = env.RUNNER_TEMP
  if (!base) return
  const dir = join(base, 'ephemera-bin')
  mkdirSync(dir, { recursive: true })
  const script = '#!/bin/sh\nexec aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"\n'
  writeFileSync(join(dir, 'awslocal'), script, { mode: 0o755 })
  core.addPath(dir)
}

async function writeSummary(
  inputs: SetupInputs,
  image: ImageInfo,
  result: SetupResult,
  probe: Probe | undefined,
): Promise<void> {
  try {
    await writeSetupSummary({
      engine: inputs.engine.name,
      image: inputs.image,
      digest: image.digest ?? image.id,
      version: result.version,
      endpoint: result.endpointUrl,
      startupMs: probe ? result.startupMs : undefined,
      services: probe?.services ? describeServices(probe.services) : '',
    })
  } catch (error) {
    core.warning(`Could not write the job summary: ${errorMessage(error)}`)
  }
}
