import net from 'node:net'
import * as core from '@actions/core'
import { LABELS, TOOL } from '../constants.js'
import { describeServices, probeEmulator } from '../container/probe.js'
import { waitUntilReady } from '../container/wait-ready.js'
import {
  type ContainerSpec,
  type ContainerSummary,
  type DockerEngine,
  statusOf,
} from '../docker/engine.js'
import { lastLines } from '../docker/logs.js'
import { ENGINES, emulatorEnv } from '../engines.js'
import { ActionError, errorMessage } from '../util/errors.js'
import {
  createLease,
  ensureHostReaper,
  type HostReaperOptions,
  LEASE_LABEL,
  listLeases,
  ROLE_LEASE,
} from './docker-reaper.js'
import {
  describeKey,
  engineName,
  instanceName,
  instanceStatus,
  keyLabels,
  keyOf,
} from './labels.js'
import type {
  ListFilter,
  PreviewInstance,
  PreviewKey,
  PreviewProvider,
  PreviewSpec,
  ReadyResult,
} from './provider.js'
import { fillTemplate, slug, type TemplateValues } from './template.js'

export interface DockerHostOptions {
  docker: DockerEngine
  network: 'host' | 'bridge'
  portRange: { from: number; to: number }
  /** How people reach a preview, e.g. http://{host}:{port} or https://{name}.previews.example.com */
  urlTemplate: string
  /** Extra labels for a reverse proxy that routes by container labels; values are templates. */
  labelTemplates: Record<string, string>
  /** Host name or address of the Docker host, as the runner reaches it. */
  host: string
  /** What {host} means in the URL template: the name people use for the Docker host. */
  publicHost: string
  /** An image with Node for the reaper container (the lite image); made present on demand. */
  reaperImage: string
  /** How often the reaper looks for expired previews; 5 s unless a test wants it faster. */
  reaperIntervalMs?: number
  ensureImage: (ref: string) => Promise<void>
}

const ROLE_PREVIEW = 'preview'
const PORT_LABEL = 'ephemera.port'

/** Previews as containers on one Docker host, removed at expiry by the host's reaper. */
export class DockerHostProvider implements PreviewProvider {
  readonly kind = 'docker' as const
  /** Leases seen by the last list(), by the preview they extend. */
  private readonly knownLeases = new Map<string, string[]>()

  constructor(private readonly opts: DockerHostOptions) {}

  /**
   * Starts the preview's container under a name derived from its key. The engine refuses a
   * second container of that name, so when two runs launch the same preview at once, one wins
   * and the other adopts its instance.
   */
  async launch(spec: PreviewSpec): Promise<PreviewInstance> {
    const { docker } = this.opts
    await this.opts.ensureImage(spec.image)
    const name = instanceName(spec.key)
    for (let attempt = 1; attempt <= 5; attempt++) {
      const port = await this.pickPort()
      let id: string
      try {
        id = await docker.createContainer(this.containerSpec(spec, name, port))
      } catch (error) {
        if (statusOf(error) !== 409) throw error
        const adopted = (await this.list(spec.key)).find(
          (i) => i.status === 'running' || i.status === 'starting',
        )
        if (adopted) {
          core.info(
            `Another run launched ${name} (${adopted.id.slice(0, 12)}) at the same time; using it.`,
          )
          return adopted
        }
        continue
      }
      if (await this.portClaimedByAnother(id, port)) {
        await docker.removeContainer(id)
        continue
      }
      try {
        // The preview exists before the reaper is checked, so a reaper about to exit for want
        // of previews sees it.
        await ensureHostReaper(docker, this.reaperOptions())
        await docker.startContainer(id)
      } catch (error) {
        await this.destroyById(id).catch(() => undefined)
        throw new ActionError(`Starting preview container ${name} failed: ${errorMessage(error)}`)
      }
      core.info(
        `Started preview container ${name} (${id.slice(0, 12)}) on port ${port}; the host's reaper removes it at ${spec.expiresAt.toISOString()}.`,
      )
      const labels = this.containerSpec(spec, name, port).labels
      return this.instanceOf(
        { id, name, image: spec.image, state: 'running', labels },
        new Map([[id, spec.expiresAt]]),
      )
    }
    throw new ActionError(
      `Could not claim a port in 'port-range' ${this.opts.portRange.from}-${this.opts.portRange.to} after 5 tries while other previews were starting; run preview again or widen 'port-range'.`,
    )
  }

  private containerSpec(spec: PreviewSpec, name: string, port: number): ContainerSpec {
    const values = this.templateValues(spec.key, port)
    const labels: Record<string, string> = {
      ...Object.fromEntries(
        Object.entries(this.opts.labelTemplates).map(([k, v]) => [k, fillTemplate(v, values)]),
      ),
      ...keyLabels(spec.key),
      [LABELS.role]: ROLE_PREVIEW,
      [LABELS.engine]: spec.engine.name,
      [LABELS.sha]: spec.sha,
      [LABELS.runId]: spec.runId,
      [LABELS.expiresAt]: spec.expiresAt.toISOString(),
      [LABELS.configHash]: spec.configHash,
      [PORT_LABEL]: String(port),
    }
    const env = emulatorEnv(spec.engine, {
      configuration: spec.configuration,
      authToken: spec.authToken,
      ...(this.opts.network === 'host' ? { listenPort: port } : {}),
    })
    return {
      name,
      image: spec.image,
      env,
      labels,
      network: this.opts.network,
      // Previews are for people on other machines, so a published port listens on all addresses.
      ports:
        this.opts.network === 'bridge'
          ? [{ container: spec.engine.containerPort, host: port, hostIp: '0.0.0.0' }]
          : [],
      binds: [],
    }
  }

  /**
   * Whether another preview holds `port`: one that is running, or one just created whose id
   * sorts first. Two launches that picked the same port both see the other and agree.
   */
  private async portClaimedByAnother(id: string, port: number): Promise<boolean> {
    const holders = await this.opts.docker.listContainers({
      [LABELS.tool]: TOOL,
      [LABELS.role]: ROLE_PREVIEW,
      [PORT_LABEL]: String(port),
    })
    return holders.some(
      (c) => c.id !== id && (c.state === 'running' || (c.state === 'created' && c.id < id)),
    )
  }

  async waitUntilReady(
    instance: PreviewInstance,
    timeoutMs: number,
  ): Promise<ReadyResult & { instance: PreviewInstance }> {
    const engine = ENGINES[instance.engine]
    const result = await waitUntilReady({
      baseUrl: instance.endpoint,
      profile: engine,
      timeoutMs,
      containerState: () => this.opts.docker.inspectContainer(instance.id),
      onProbe: (probe, attempt) => core.debug(`readiness probe ${attempt}: ${probe.detail}`),
    })
    if (result.outcome === 'ready') {
      core.debug(`services: ${describeServices(result.probe.services ?? {})}`)
      return { ready: true, ms: result.ms, version: result.probe.version ?? '', instance }
    }
    const logs = await this.logs(instance, 50)
    const reason =
      result.outcome === 'exited'
        ? `the container exited with code ${result.state?.exitCode ?? 'unknown'}`
        : `not ready after ${Math.round(result.ms / 1000)} s; last seen: ${result.last?.detail ?? 'no answer'}`
    return { ready: false, ms: result.ms, reason, logs, instance }
  }

  async isHealthy(instance: PreviewInstance): Promise<boolean> {
    if (instance.status !== 'running') return false
    return (await probeEmulator(instance.endpoint, ENGINES[instance.engine], 2000)).ready
  }

  async extend(instance: PreviewInstance, expiresAt: Date): Promise<PreviewInstance> {
    const { docker } = this.opts
    const old = await this.leasesOf(instance.id)
    const lease = await createLease(docker, this.opts.reaperImage, {
      target: instance.id,
      labels: keyLabels(instance.key),
      expiresAt,
    })
    await Promise.all(old.filter((id) => id !== lease).map((id) => docker.removeContainer(id)))
    this.knownLeases.set(instance.id, [lease])
    await ensureHostReaper(docker, this.reaperOptions())
    return { ...instance, expiresAt }
  }

  private reaperOptions(): HostReaperOptions {
    return {
      image: this.opts.reaperImage,
      ensureImage: this.opts.ensureImage,
      intervalMs: this.opts.reaperIntervalMs ?? 5000,
    }
  }

  async logs(instance: PreviewInstance, tail: number): Promise<string> {
    try {
      return lastLines(await this.opts.docker.containerLogs(instance.id, tail), tail).join('\n')
    } catch (error) {
      return `(the logs of container ${instance.id.slice(0, 12)} could not be read: ${errorMessage(error)})`
    }
  }

  async destroy(instance: PreviewInstance, reason: string): Promise<void> {
    core.info(
      `Removing preview ${describeKey(instance.key)} (${instance.id.slice(0, 12)}): ${reason}`,
    )
    await this.destroyById(instance.id)
  }

  async list(filter: ListFilter): Promise<PreviewInstance[]> {
    const labels: Record<string, string> = {
      [LABELS.tool]: TOOL,
      [LABELS.repository]: filter.repository,
    }
    if (filter.pr !== undefined) labels[LABELS.pr] = String(filter.pr)
    const all = await this.opts.docker.listContainers(labels)
    const expiries = new Map<string, Date>()
    const leases = new Map<string, string[]>()
    for (const lease of all.filter((c) => c.labels[LABELS.role] === ROLE_LEASE)) {
      const target = lease.labels[LEASE_LABEL] ?? ''
      leases.set(target, [...(leases.get(target) ?? []), lease.id])
      const at = new Date(lease.labels[LABELS.expiresAt] ?? '')
      const known = expiries.get(target)
      if (!Number.isNaN(at.getTime()) && (!known || at > known)) expiries.set(target, at)
    }
    for (const [target, ids] of leases) this.knownLeases.set(target, ids)
    return all
      .filter((c) => c.labels[LABELS.role] === ROLE_PREVIEW)
      .filter((c) => filter.name === undefined || c.labels[LABELS.name] === filter.name)
      .map((c) => this.instanceOf(c, expiries))
  }

  private async destroyById(id: string): Promise<void> {
    const problems: string[] = []
    // A sweep has just listed every lease; a single destroy asks the engine.
    const leases = this.knownLeases.get(id) ?? (await this.leasesOf(id))
    this.knownLeases.delete(id)
    await Promise.all(
      [id, ...leases].map((target) =>
        this.opts.docker.removeContainer(target).catch((error: unknown) => {
          problems.push(`${target.slice(0, 12)}: ${errorMessage(error)}`)
        }),
      ),
    )
    if (problems.length > 0) {
      throw new ActionError(
        `Could not remove ${problems.join('; ')}. Remove by hand with: docker rm -f ${id}`,
      )
    }
  }

  private async leasesOf(id: string): Promise<string[]> {
    return (await listLeases(this.opts.docker, id)).map((c) => c.id)
  }

  /** The lowest port in the range that no preview on this host holds and nothing listens on. */
  private async pickPort(): Promise<number> {
    const taken = new Set(
      (await this.opts.docker.listContainers({ [LABELS.tool]: TOOL, [LABELS.role]: ROLE_PREVIEW }))
        .filter((c) => c.state !== 'exited' && c.state !== 'dead')
        .map((c) => Number(c.labels[PORT_LABEL])),
    )
    const { from, to } = this.opts.portRange
    const local = this.opts.host === '127.0.0.1' || this.opts.host === 'localhost'
    for (let port = from; port <= to; port++) {
      if (taken.has(port)) continue
      if (local && !(await isPortFree(port))) continue
      return port
    }
    throw new ActionError(
      `Every port in 'port-range' ${from}-${to} is in use (${taken.size} previews hold one); widen 'port-range' or run finish with mode 'sweep' to remove stale previews.`,
    )
  }

  private templateValues(key: PreviewKey, port: number): TemplateValues {
    const repo = slug(key.repository.split('/')[1] ?? key.repository, 30)
    return {
      name: `${repo}-pr${key.pr}-${slug(key.name, 20)}`,
      pr: String(key.pr),
      repo,
      preview: key.name,
      host: this.opts.publicHost,
      port: String(port),
    }
  }

  private instanceOf(c: ContainerSummary, expiries: Map<string, Date>): PreviewInstance {
    const key = keyOf(c.labels)
    const port = Number(c.labels[PORT_LABEL])
    const values = this.templateValues(key, port)
    return {
      id: c.id,
      key,
      engine: engineName(c.labels[LABELS.engine]),
      sha: c.labels[LABELS.sha] ?? '',
      runId: c.labels[LABELS.runId] ?? '',
      expiresAt: expiries.get(c.id) ?? new Date(c.labels[LABELS.expiresAt] ?? 0),
      configHash: c.labels[LABELS.configHash] ?? '',
      status: instanceStatus(c.state),
      url: fillTemplate(this.opts.urlTemplate, values),
      endpoint: `http://${this.opts.host}:${port}`,
    }
  }
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}
