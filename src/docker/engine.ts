import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import * as core from '@actions/core'
import Docker from 'dockerode'
import { ActionError, errorMessage } from '../util/errors.js'
import { demuxLogs } from './logs.js'

/** What we ask of a Docker engine. The only module that imports dockerode. */
export interface DockerEngine {
  /** Where the engine is reached, for messages and for mounting its socket. */
  readonly endpoint: DockerEndpoint
  ping(): Promise<void>
  inspectImage(ref: string): Promise<ImageInfo | undefined>
  pullImage(ref: string, onProgress: (event: PullProgress) => void): Promise<void>
  createContainer(spec: ContainerSpec): Promise<string>
  startContainer(id: string): Promise<void>
  inspectContainer(id: string): Promise<ContainerState | undefined>
  /** The last `tail` lines of stdout and stderr, interleaved as written. */
  containerLogs(id: string, tail: number): Promise<string>
  stopContainer(id: string, timeoutSeconds: number): Promise<void>
  removeContainer(id: string): Promise<void>
  listContainers(labels: Record<string, string>): Promise<ContainerSummary[]>
}

export interface DockerEndpoint {
  /** unix:///var/run/docker.sock or tcp://host:port, as the user would write DOCKER_HOST. */
  url: string
  /** Local socket path, when the engine is reached through one. */
  socketPath?: string
}

export interface ImageInfo {
  id: string
  /** repo@sha256:... when the image came from a registry. */
  digest?: string
  sizeBytes: number
}

export interface PullProgress {
  layer?: string
  status: string
  current?: number
  total?: number
}

export interface ContainerSpec {
  name: string
  image: string
  env: Record<string, string>
  labels: Record<string, string>
  network: 'bridge' | 'host'
  /** Published ports (bridge only): container port -> hostIp:hostPort (127.0.0.1 unless set). */
  ports: Array<{ container: number; host: number; hostIp?: string }>
  binds: string[]
  cmd?: string[]
  /** Removed by the engine as soon as it exits. */
  autoRemove?: boolean
}

export interface ContainerState {
  id: string
  name: string
  running: boolean
  status: string
  exitCode: number
  oomKilled: boolean
  error: string
  labels: Record<string, string>
}

export interface ContainerSummary {
  id: string
  name: string
  image: string
  state: string
  labels: Record<string, string>
}

/** Resolves DOCKER_HOST the way the docker CLI does. */
export function resolveDockerEndpoint(env: NodeJS.ProcessEnv = process.env): DockerEndpoint {
  const host = env.DOCKER_HOST ?? ''
  if (host === '') return { url: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock' }
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length) || '/var/run/docker.sock'
    return { url: `unix://${socketPath}`, socketPath }
  }
  if (host.startsWith('tcp://') || host.startsWith('http://') || host.startsWith('https://')) {
    return { url: host }
  }
  // TODO: ssh:// hosts need ssh2's native add-on, which the bundle leaves out to stay small
  // and portable; an SSH tunnel to the socket (docker context) works today.
  throw new ActionError(
    `DOCKER_HOST '${host}' is not supported; use unix:// or tcp:// (for a remote engine over SSH, forward its socket first: ssh -L /tmp/docker.sock:/var/run/docker.sock HOST).`,
  )
}

export function createDockerEngine(env: NodeJS.ProcessEnv = process.env): DockerEngine {
  return new DockerodeEngine(resolveDockerEndpoint(env), env)
}

/** The dockerode client behind an engine, for the few callers that stream images in. */
export function dockerodeOf(engine: DockerEngine): Docker | undefined {
  return engine instanceof DockerodeEngine ? engine.docker : undefined
}

/** Client options for an endpoint, with TLS from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH. */
function clientOptions(endpoint: DockerEndpoint, env: NodeJS.ProcessEnv): Docker.DockerOptions {
  if (endpoint.socketPath) return { socketPath: endpoint.socketPath }
  const url = new URL(endpoint.url.replace(/^tcp:/, 'http:'))
  const tls = env.DOCKER_TLS_VERIFY === '1' || url.port === '2376' || url.protocol === 'https:'
  const certs = env.DOCKER_CERT_PATH
  return {
    host: url.hostname,
    port: Number(url.port || (tls ? 2376 : 2375)),
    protocol: tls ? 'https' : 'http',
    ...(tls && certs
      ? {
          ca: readFileSync(join(certs, 'ca.pem')),
          cert: readFileSync(join(certs, 'cert.pem')),
          key: readFileSync(join(certs, 'key.pem')),
        }
      : {}),
  }
}

class DockerodeEngine implements DockerEngine {
  readonly docker: Docker

  constructor(
    readonly endpoint: DockerEndpoint,
    env: NodeJS.ProcessEnv,
  ) {
    this.docker = new Docker(clientOptions(endpoint, env))
  }

  async ping(): Promise<void> {
    try {
      await this.docker.ping()
    } catch (error) {
      throw new ActionError(
        `Cannot reach the Docker engine at ${this.endpoint.url}: ${errorMessage(error)}. Start Docker on the runner, or set DOCKER_HOST to an engine that is running.`,
      )
    }
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    try {
      const info = await this.docker.getImage(ref).inspect()
      return { id: info.Id, digest: info.RepoDigests?.[0], sizeBytes: info.Size }
    } catch (error) {
      if (statusOf(error) === 404) return undefined
      throw error
    }
  }

  async pullImage(ref: string, onProgress: (event: PullProgress) => void): Promise<void> {
    const authconfig = registryAuth(ref)
    const stream = await this.docker.pull(ref, authconfig ? { authconfig } : {})
    await new Promise<void>((resolve, reject) => {
      let streamError: string | undefined
      this.docker.modem.followProgress(
        stream,
        (error: Error | null) => {
          // followProgress does not reject on an error message inside the stream.
          if (error) reject(error)
          else if (streamError) reject(new Error(streamError))
          else resolve()
        },
        (event: RawProgress) => {
          if (event.error) streamError = event.error
          else onProgress(toProgress(event))
        },
      )
    })
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const exposed: Record<string, object> = {}
    const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {}
    for (const { container, host, hostIp } of spec.ports) {
      exposed[`${container}/tcp`] = {}
      bindings[`${container}/tcp`] = [{ HostIp: hostIp ?? '127.0.0.1', HostPort: String(host) }]
    }
    const container = await this.docker.createContainer({
      name: spec.name,
      Image: spec.image,
      Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
      Labels: spec.labels,
      ...(spec.cmd ? { Cmd: spec.cmd } : {}),
      ExposedPorts: spec.network === 'bridge' ? exposed : {},
      HostConfig: {
        NetworkMode: spec.network === 'host' ? 'host' : 'bridge',
        PortBindings: spec.network === 'bridge' ? bindings : {},
        Binds: spec.binds,
        AutoRemove: spec.autoRemove ?? false,
        // An init process forwards SIGTERM, so images whose PID 1 ignores it still stop fast.
        Init: true,
      },
    })
    return container.id
  }

  async startContainer(id: string): Promise<void> {
    await this.docker.getContainer(id).start()
  }

  async inspectContainer(id: string): Promise<ContainerState | undefined> {
    try {
      const info = await this.docker.getContainer(id).inspect()
      return {
        id: info.Id,
        name: info.Name.replace(/^\//, ''),
        running: info.State.Running,
        status: info.State.Status,
        exitCode: info.State.ExitCode,
        oomKilled: info.State.OOMKilled,
        error: info.State.Error,
        labels: info.Config.Labels ?? {},
      }
    } catch (error) {
      if (statusOf(error) === 404) return undefined
      throw error
    }
  }

  async containerLogs(id: string, tail: number): Promise<string> {
    const raw = (await this.docker
      .getContainer(id)
      .logs({ stdout: true, stderr: true, tail, follow: false })) as unknown as Buffer
    return demuxLogs(raw)
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: timeoutSeconds })
    } catch (error) {
      // 304: already stopped; 404: already gone. Both are the state we wanted.
      const status = statusOf(error)
      if (status !== 304 && status !== 404) throw error
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true })
    } catch (error) {
      // 404: gone already. 409 "already in progress": another client is removing it.
      const status = statusOf(error)
      if (status === 404) return
      if (status === 409 && /already in progress/i.test(errorMessage(error))) return
      throw error
    }
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerSummary[]> {
    const label = Object.entries(labels).map(([key, value]) => `${key}=${value}`)
    const found = await this.docker.listContainers({ all: true, filters: { label } })
    return found.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      image: c.Image,
      state: c.State,
      labels: c.Labels ?? {},
    }))
  }
}

interface RawProgress {
  id?: string
  status?: string
  error?: string
  progressDetail?: { current?: number; total?: number }
}

function toProgress(event: RawProgress): PullProgress {
  return {
    status: event.status ?? '',
    ...(event.id ? { layer: event.id } : {}),
    ...(event.progressDetail?.current !== undefined
      ? { current: event.progressDetail.current }
      : {}),
    ...(event.progressDetail?.total !== undefined ? { total: event.progressDetail.total } : {}),
  }
}

/** The HTTP status dockerode attached to an engine error, if any. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode
  return typeof status === 'number' ? status : undefined
}

/** Registry host of an image reference, as the Docker CLI decides it. */
export function registryOf(ref: string): string {
  const first = ref.split('/')[0] ?? ''
  const isHost =
    ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
  return isHost ? first : 'docker.io'
}

/**
 * Credentials `docker login` stored for the image's registry. The Engine API does not read the
 * CLI's config file, so a private image pulled through the API needs them passed explicitly.
 */
function registryAuth(ref: string): RegistryAuth | undefined {
  const registry = registryOf(ref)
  const dir = process.env.DOCKER_CONFIG ?? join(homedir(), '.docker')
  let config: { auths?: Record<string, { auth?: string; identitytoken?: string }> }
  try {
    config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))
  } catch {
    return undefined
  }
  const keys =
    registry === 'docker.io'
      ? ['https://index.docker.io/v1/', 'docker.io']
      : [registry, `https://${registry}`]
  for (const key of keys) {
    const entry = config.auths?.[key]
    if (!entry?.auth) continue
    // The engine reads username and password (or an identity token) and ignores the encoded
    // `auth` field; the docker CLI decodes it the same way before it pulls.
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon <= 0) continue
    const password = decoded.slice(colon + 1)
    core.setSecret(password)
    if (entry.identitytoken) core.setSecret(entry.identitytoken)
    return {
      username: decoded.slice(0, colon),
      password,
      serveraddress: key,
      ...(entry.identitytoken ? { identitytoken: entry.identitytoken } : {}),
    }
  }
  return undefined
}

interface RegistryAuth {
  username: string
  password: string
  serveraddress: string
  identitytoken?: string
}
