import * as core from '@actions/core'
import type { DockerEngine, ImageInfo, PullProgress } from '../docker/engine.js'
import type { PullPolicy } from '../inputs/setup.js'
import type { Clock } from '../util/clock.js'
import { ActionError, errorMessage } from '../util/errors.js'
import { describeRetry, retry } from '../util/retry.js'

export interface EnsureImageOptions {
  policy: PullPolicy
  /** Builds the image locally instead of pulling it (the lite engine's own image). */
  build?: () => Promise<void>
  clock?: Clock
}

/** Makes `ref` present on the engine as the pull policy says, and returns what is there. */
export async function ensureImage(
  docker: DockerEngine,
  ref: string,
  opts: EnsureImageOptions,
): Promise<ImageInfo> {
  const present = await docker.inspectImage(ref)
  if (present && opts.policy !== 'always') {
    core.info(`Image ${ref} is on the runner (${formatSize(present.sizeBytes)}); not pulling.`)
    return present
  }
  if (!present && opts.build) {
    core.info(`Image ${ref} is not on the runner; building it locally.`)
    await opts.build()
  } else if (opts.policy === 'never') {
    throw new ActionError(
      `Image ${ref} is not on the runner and input 'pull' is 'never'; load or build it in an earlier step, or set 'pull' to 'missing'.`,
    )
  } else {
    await pullWithRetry(docker, ref, opts.clock)
  }
  const info = await docker.inspectImage(ref)
  if (!info) throw new ActionError(`Image ${ref} is still missing after it was pulled.`)
  return info
}

async function pullWithRetry(docker: DockerEngine, ref: string, clock?: Clock): Promise<void> {
  const started = Date.now()
  await retry(() => docker.pullImage(ref, reportLayer()), {
    attempts: 4,
    baseMs: 2000,
    maxMs: 20_000,
    isRetryable: isTransientPullError,
    onRetry: (attempt, error, delay) =>
      core.warning(describeRetry(`Pulling ${ref}`, attempt, error, delay)),
    ...(clock ? { clock } : {}),
  }).catch((error: unknown) => {
    throw new ActionError(explainPullError(ref, error))
  })
  core.info(`Pulled ${ref} in ${((Date.now() - started) / 1000).toFixed(1)} s.`)
}

/** Logs one line per layer when it is done, and progress at debug level. */
function reportLayer(): (event: PullProgress) => void {
  const sizes = new Map<string, number>()
  return (event) => {
    if (event.layer && event.total) sizes.set(event.layer, event.total)
    if (event.layer && (event.status === 'Pull complete' || event.status === 'Already exists')) {
      const size = sizes.get(event.layer)
      core.info(`  layer ${event.layer}: ${event.status}${size ? ` (${formatSize(size)})` : ''}`)
    } else if (event.layer) {
      core.debug(`  layer ${event.layer}: ${event.status}`)
    } else if (event.status) {
      core.info(`  ${event.status}`)
    }
  }
}

const TRANSIENT = [
  /toomanyrequests/i,
  /\b429\b/,
  /\b5\d\d\b/,
  /timeout/i,
  /connection reset/i,
  /connection refused/i,
  /EOF/,
  /temporary failure/i,
  /TLS handshake/i,
]

const REFUSED = /unauthorized|denied|no basic auth credentials/i
const MISSING = /not found|manifest unknown|name unknown/i

/**
 * The engine's own words. dockerode puts the engine's status first ("(HTTP code 500) server
 * error - "), and the engine answers 500 for nearly every registry failure, a refused login
 * included, so that status says nothing about whether a retry can help.
 */
function pullErrorText(error: unknown): string {
  return errorMessage(error)
    .replace(/^\(HTTP code \d+\) .*? - /, '')
    .trim()
}

/** Rate limits and network or server hiccups are retried; a missing image or denied access is not. */
export function isTransientPullError(error: unknown): boolean {
  const text = pullErrorText(error)
  if (REFUSED.test(text) || MISSING.test(text) || /invalid reference/i.test(text)) return false
  return TRANSIENT.some((pattern) => pattern.test(text))
}

function explainPullError(ref: string, error: unknown): string {
  const text = pullErrorText(error)
  if (REFUSED.test(text)) {
    return `Pulling ${ref} was refused (${text}); log in to its registry in an earlier step (docker/login-action), or set input 'image' to an image this runner may pull.`
  }
  if (MISSING.test(text)) {
    return `Image ${ref} does not exist in its registry (${text}); check input 'image' (or 'engine').`
  }
  return `Pulling ${ref} failed: ${text}. Set input 'image' to a mirror, or pre-load the image and set 'pull' to 'never'.`
}

export function formatSize(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}
