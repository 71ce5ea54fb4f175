import { existsSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import * as core from '@actions/core'
import { ENGINE_NAMES, ENGINES, type EngineProfile } from '../engines.js'
import { InputError } from '../util/errors.js'
import {
  parseConfiguration,
  readBoolean,
  readChoice,
  readEngineToken,
  readPort,
  readWholeNumber,
  splitLines,
} from './parse.js'

export type NetworkMode = 'bridge' | 'host'
export type PullPolicy = 'missing' | 'always' | 'never'
export type LogsPolicy = 'on-failure' | 'always' | 'never'

export interface VolumeMount {
  hostPath: string
  containerPath: string
  readOnly: boolean
}

export interface SetupInputs {
  engine: EngineProfile
  image: string
  /** True when `image` came from the input rather than the engine's default. */
  customImage: boolean
  authToken: string
  configuration: Record<string, string>
  port: number
  network: NetworkMode
  volumes: VolumeMount[]
  dockerSocket: boolean
  pull: PullPolicy
  wait: boolean
  waitTimeoutSeconds: number
  logs: LogsPolicy
  /** Absolute path the post step writes the emulator's state to; empty for none. */
  saveState: string
  skipStartup: boolean
}

/** Reads and checks every input of the setup action; nothing is started before this passes. */
export function readSetupInputs(env: NodeJS.ProcessEnv = process.env): SetupInputs {
  const githubToken = core.getInput('github-token')
  if (githubToken !== '') core.setSecret(githubToken)
  const engine = ENGINES[readChoice('engine', ENGINE_NAMES)]
  const imageInput = core.getInput('image')
  const authToken = readAuthToken(engine, imageInput !== '', env)
  const socket = readChoice('docker-socket', ['auto', 'true', 'false'] as const)
  const network = readChoice('network', ['bridge', 'host'] as const)
  const port = readPort('port')
  if (network === 'host' && !engine.listenEnv && port !== engine.containerPort) {
    throw new InputError(
      `Input 'port' is ${port}, but ${engine.name} cannot be told to listen on another port with 'network: host'; use 'network: bridge' or port ${engine.containerPort}.`,
    )
  }
  return {
    engine,
    image: imageInput || engine.image,
    customImage: imageInput !== '',
    authToken,
    configuration: parseConfiguration('configuration', core.getInput('configuration')),
    port,
    network,
    volumes: readVolumes('volumes', env.GITHUB_WORKSPACE ?? process.cwd()),
    dockerSocket: socket === 'auto' ? engine.dockerSocketByDefault : socket === 'true',
    pull: readChoice('pull', ['missing', 'always', 'never'] as const),
    wait: readBoolean('wait'),
    waitTimeoutSeconds: readWholeNumber('wait-timeout', 1, 3600, 'seconds'),
    logs: readChoice('logs', ['on-failure', 'always', 'never'] as const),
    saveState: readSaveState(engine, env.GITHUB_WORKSPACE ?? process.cwd()),
    skipStartup: readBoolean('skip-startup'),
  }
}

function readAuthToken(
  engine: EngineProfile,
  customImage: boolean,
  env: NodeJS.ProcessEnv,
): string {
  const token = readEngineToken(engine, env)
  if (token !== '' && !engine.tokenEnv) {
    core.warning(
      `Input 'auth-token' is set but ${engine.name} takes no token; it is not passed on.`,
    )
    return ''
  }
  if (token === '' && engine.tokenRequired) {
    const why = `${engine.name} needs an auth token: set input 'auth-token' (for example \${{ secrets.${engine.tokenEnv} }}) or the ${engine.tokenEnv} environment variable. Fork PRs get no secrets; engines floci, ministack, moto and lite need no token. See ${engine.docs}`
    // A pinned or mirrored image may predate the token requirement, so only warn for those.
    if (!customImage) throw new InputError(why)
    core.warning(why)
  }
  return token
}

function readSaveState(engine: EngineProfile, workspace: string): string {
  const raw = core.getInput('save-state')
  if (raw === '') return ''
  if (!engine.stateExportPath) {
    throw new InputError(
      `Input 'save-state' is set, but ${engine.name} has no state export; it works with localstack.`,
    )
  }
  return isAbsolute(raw) ? raw : resolve(workspace, raw)
}

function readVolumes(name: string, workspace: string): VolumeMount[] {
  return splitLines(core.getInput(name)).map((entry) => {
    const [host = '', container, mode, ...rest] = entry.split(':')
    if (host === '' || rest.length > 0 || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) {
      throw new InputError(
        `Input '${name}' has an entry '${entry}'; expected HOST[:CONTAINER[:ro|rw]], one per line.`,
      )
    }
    const hostPath = isAbsolute(host) ? host : resolve(workspace, host)
    if (!existsSync(hostPath)) {
      throw new InputError(
        `Input '${name}' names '${host}', which does not exist on the runner (looked at ${hostPath}).`,
      )
    }
    const containerPath = container || hostPath
    if (!isAbsolute(containerPath)) {
      throw new InputError(
        `Input '${name}' has a container path '${containerPath}' in '${entry}'; it must be absolute.`,
      )
    }
    return { hostPath, containerPath, readOnly: mode === 'ro' }
  })
}
