import * as core from '@actions/core'
import { resolveDockerEndpoint } from '../docker/engine.js'
import { ENGINE_NAMES, ENGINES, type EngineProfile } from '../engines.js'
import { checkTemplate } from '../providers/template.js'
import { InputError } from '../util/errors.js'
import {
  parseConfiguration,
  readBoolean,
  readChoice,
  readRequired,
  readWholeNumber,
  splitLines,
} from './parse.js'

export interface DockerProviderInputs {
  dockerHost: string
  network: 'bridge' | 'host'
  portRange: { from: number; to: number }
  urlTemplate: string
  /** Where the runner reaches the Docker host's published ports. */
  host: string
  /** What {host} means in url-template and labels. */
  publicHost: string
  labels: Record<string, string>
}

export interface PreviewInputs {
  provider: 'docker'
  name: string
  engine: EngineProfile
  image: string
  customImage: boolean
  authToken: string
  configuration: Record<string, string>
  lifetimeMinutes: number
  waitTimeoutSeconds: number
  deploy: string
  prNumber: number | undefined
  githubToken: string
  comment: boolean
  deployment: boolean
  docker: DockerProviderInputs
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/

/** Reads and checks every input of the preview action. */
export function readPreviewInputs(env: NodeJS.ProcessEnv = process.env): PreviewInputs {
  const githubToken = core.getInput('github-token')
  if (githubToken !== '') core.setSecret(githubToken)
  const engine = ENGINES[readChoice('engine', ENGINE_NAMES)]
  const imageInput = core.getInput('image')
  const authToken =
    core.getInput('auth-token') || (engine.tokenEnv ? (env[engine.tokenEnv] ?? '') : '')
  if (authToken !== '') core.setSecret(authToken)
  const name = readRequired('name')
  if (!NAME.test(name)) {
    throw new InputError(
      `Input 'name' got '${name}'; use up to 40 letters, digits, '.', '_' or '-', starting with a letter or digit.`,
    )
  }
  const inputs: PreviewInputs = {
    provider: readChoice('provider', ['docker'] as const),
    name,
    engine,
    image: imageInput || engine.image,
    customImage: imageInput !== '',
    authToken: engine.tokenEnv ? authToken : '',
    configuration: parseConfiguration('configuration', core.getInput('configuration')),
    lifetimeMinutes: readMinutes('lifetime'),
    waitTimeoutSeconds: readWholeNumber('wait-timeout', 1, 3600, 'seconds'),
    deploy: core.getInput('deploy'),
    prNumber:
      core.getInput('pr-number') === ''
        ? undefined
        : readWholeNumber('pr-number', 1, 1e9, 'numbers'),
    githubToken,
    comment: readBoolean('comment'),
    deployment: readBoolean('deployment'),
    docker: readDockerProviderInputs(env),
  }
  if (engine.tokenRequired && inputs.authToken === '' && !inputs.customImage) {
    throw new InputError(
      `${engine.name} needs an auth token: set input 'auth-token' (for example \${{ secrets.${engine.tokenEnv} }}) or the ${engine.tokenEnv} environment variable; engines floci, ministack, moto and lite need none.`,
    )
  }
  return inputs
}

/** The Docker host provider's inputs, shared by preview and finish. */
export function readDockerProviderInputs(env: NodeJS.ProcessEnv): DockerProviderInputs {
  const dockerHost = core.getInput('docker-host') || env.DOCKER_HOST || ''
  let host = '127.0.0.1'
  try {
    const endpoint = resolveDockerEndpoint({ DOCKER_HOST: dockerHost })
    if (!endpoint.socketPath) host = new URL(endpoint.url.replace(/^tcp:/, 'http:')).hostname
  } catch (error) {
    throw new InputError(`Input 'docker-host': ${(error as Error).message}`)
  }
  const urlTemplate = readRequired('url-template')
  checkTemplate('url-template', urlTemplate)
  const labels: Record<string, string> = {}
  for (const line of splitLines(core.getInput('labels'))) {
    const eq = line.indexOf('=')
    if (eq <= 0) throw new InputError(`Input 'labels' has a line '${line}' that is not KEY=VALUE.`)
    const value = line.slice(eq + 1)
    checkTemplate('labels', value)
    labels[line.slice(0, eq).trim()] = value.trim()
  }
  return {
    dockerHost,
    network: readChoice('network', ['bridge', 'host'] as const),
    portRange: readPortRange('port-range'),
    urlTemplate,
    host,
    publicHost: core.getInput('public-host') || host,
    labels,
  }
}

/** Minutes, fractions allowed (0.5 is 30 s), up to a week. */
function readMinutes(name: string): number {
  const raw = readRequired(name)
  const minutes = Number(raw)
  if (!/^\d+(\.\d+)?$/.test(raw) || minutes <= 0 || minutes > 7 * 24 * 60) {
    throw new InputError(
      `Input '${name}' expects minutes above 0 and at most 10080 (a week), got '${raw}'.`,
    )
  }
  return minutes
}

function readPortRange(name: string): { from: number; to: number } {
  const raw = readRequired(name)
  const match = /^(\d+)-(\d+)$/.exec(raw)
  const from = Number(match?.[1])
  const to = Number(match?.[2])
  if (!match || from < 1 || to > 65535 || from > to) {
    throw new InputError(
      `Input '${name}' got '${raw}'; expected FROM-TO with 1 <= FROM <= TO <= 65535, for example 4600-4699.`,
    )
  }
  return { from, to }
}
