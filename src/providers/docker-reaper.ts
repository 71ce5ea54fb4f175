import { randomBytes } from 'node:crypto'
import * as core from '@actions/core'
import { LABELS, TOOL } from '../constants.js'
import { type ContainerSummary, type DockerEngine, statusOf } from '../docker/engine.js'
import { REAPER_PROGRAM } from './reaper.js'

// Self-expiry on a Docker host: one reaper container per host removes expired previews (see
// reaper.ts). Leases carry expiries moved out by reuse.

export const ROLE_REAPER = 'reaper'
export const ROLE_LEASE = 'lease'
export const LEASE_LABEL = 'ephemera.lease-for'
const REAPER_NAME = 'ephemera-reaper'

export interface HostReaperOptions {
  /** An image with Node at /usr/local/bin/node (the lite image). */
  image: string
  ensureImage: (ref: string) => Promise<void>
  intervalMs: number
}

/**
 * Makes sure the host's reaper runs: one container for all previews on the host, under a fixed
 * name, so concurrent launches start at most one.
 */
export async function ensureHostReaper(
  docker: DockerEngine,
  opts: HostReaperOptions,
): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const existing = (
      await docker.listContainers({ [LABELS.tool]: TOOL, [LABELS.role]: ROLE_REAPER })
    )[0]
    if (existing?.state === 'running') return
    if (existing) await docker.removeContainer(existing.id)
    await opts.ensureImage(opts.image)
    const socket = docker.endpoint.socketPath
    let id: string
    try {
      id = await docker.createContainer({
        name: REAPER_NAME,
        image: opts.image,
        cmd: ['/usr/local/bin/node', '-e', REAPER_PROGRAM],
        env: {
          REAP_DOCKER: socket ? '/var/run/docker.sock' : docker.endpoint.url,
          REAP_INTERVAL_MS: String(opts.intervalMs),
        },
        labels: { [LABELS.tool]: TOOL, [LABELS.role]: ROLE_REAPER },
        // Host networking lets the reaper reach a tcp:// engine on the host's loopback.
        network: 'host',
        ports: [],
        binds: socket ? [`${socket}:/var/run/docker.sock`] : [],
        autoRemove: true,
      })
    } catch (error) {
      if (statusOf(error) === 409) continue // another launch is creating it right now
      throw error
    }
    await docker.startContainer(id).catch((error: unknown) => {
      if (statusOf(error) !== 304) throw error
    })
    core.info(
      `Started the host's reaper (${id.slice(0, 12)}): it removes previews at their expiry.`,
    )
    return
  }
}

/**
 * A lease: a container that is created and never started, whose only use is its labels. A
 * running container's labels cannot change, so a later expiry for a reused preview goes here.
 */
export async function createLease(
  docker: DockerEngine,
  image: string,
  lease: { target: string; labels: Record<string, string>; expiresAt: Date },
): Promise<string> {
  return docker.createContainer({
    name: `ephemera-lease-${lease.target.slice(0, 12)}-${randomBytes(3).toString('hex')}`,
    image,
    env: {},
    labels: {
      ...lease.labels,
      [LABELS.role]: ROLE_LEASE,
      [LABELS.expiresAt]: lease.expiresAt.toISOString(),
      [LEASE_LABEL]: lease.target,
    },
    network: 'host',
    ports: [],
    binds: [],
  })
}

export function listLeases(docker: DockerEngine, target: string): Promise<ContainerSummary[]> {
  return docker.listContainers({
    [LABELS.tool]: TOOL,
    [LABELS.role]: ROLE_LEASE,
    [LEASE_LABEL]: target,
  })
}
