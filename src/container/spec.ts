import { randomBytes } from 'node:crypto'
import { LABELS, TOOL } from '../constants.js'
import type { ContainerSpec, DockerEndpoint } from '../docker/engine.js'
import { type EngineProfile, emulatorEnv } from '../engines.js'
import type { NetworkMode, VolumeMount } from '../inputs/setup.js'

export interface EmulatorSpecInput {
  engine: EngineProfile
  image: string
  port: number
  network: NetworkMode
  configuration: Record<string, string>
  authToken: string
  volumes: VolumeMount[]
  dockerSocket: boolean
  labels: Record<string, string>
}

/** Where the emulator answers on the runner. */
export function endpointUrl(port: number): string {
  return `http://127.0.0.1:${port}`
}

/** A name that says what the container is and never collides with a parallel job's. */
export function containerName(engine: string, runId: string | undefined): string {
  return `ephemera-${engine}-${runId ?? 'local'}-${randomBytes(3).toString('hex')}`
}

/** Labels the setup action puts on its container, so leftovers can be found and removed. */
export function setupLabels(engine: string, env: NodeJS.ProcessEnv): Record<string, string> {
  return {
    [LABELS.tool]: TOOL,
    [LABELS.role]: 'setup',
    [LABELS.engine]: engine,
    ...(env.GITHUB_REPOSITORY ? { [LABELS.repository]: env.GITHUB_REPOSITORY } : {}),
    ...(env.GITHUB_RUN_ID ? { [LABELS.runId]: env.GITHUB_RUN_ID } : {}),
    ...(env.GITHUB_SHA ? { [LABELS.sha]: env.GITHUB_SHA } : {}),
  }
}

/**
 * The container for an emulator. Returns the spec and any warnings about what could not be
 * honoured, so the caller decides how to report them.
 */
export function buildEmulatorSpec(
  input: EmulatorSpecInput,
  name: string,
  docker: DockerEndpoint,
): { spec: ContainerSpec; warnings: string[] } {
  const warnings: string[] = []
  // With host networking there is no port mapping: the emulator itself must listen on `port`.
  const env = emulatorEnv(input.engine, {
    configuration: input.configuration,
    authToken: input.authToken,
    ...(input.network === 'host' ? { listenPort: input.port } : {}),
  })
  const binds = input.volumes.map(
    (v) => `${v.hostPath}:${v.containerPath}${v.readOnly ? ':ro' : ''}`,
  )
  if (input.dockerSocket) {
    if (docker.socketPath) binds.push(`${docker.socketPath}:/var/run/docker.sock`)
    else {
      warnings.push(
        `The Docker engine is reached at ${docker.url}, not through a local socket, so it cannot be mounted into the emulator; features that start containers (LocalStack Lambda) will not work. Set 'docker-socket: false' to silence this.`,
      )
    }
  }
  const spec: ContainerSpec = {
    name,
    image: input.image,
    env,
    labels: input.labels,
    network: input.network,
    ports:
      input.network === 'bridge'
        ? [{ container: input.engine.containerPort, host: input.port }]
        : [],
    binds,
  }
  return { spec, warnings }
}
