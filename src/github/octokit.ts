import * as core from '@actions/core'
import { retry } from '@octokit/plugin-retry'
import { type ThrottlingOptions, throttling } from '@octokit/plugin-throttling'
import { Octokit } from '@octokit/rest'

export interface GitHubApiOptions {
  token: string
  /** REST root; GITHUB_API_URL on a runner (GitHub Enterprise Server has its own). */
  baseUrl?: string
  userAgent?: string
  /** Retries after a rate limit or a 5xx answer, per request. */
  maxRetries?: number
  /** Milliseconds per second of `retry-after` and of the 5xx backoff; tests make it small. */
  retryBaseMs?: number
  /** A rate limit asking for a longer wait than this fails instead of stalling the job. */
  maxRetryAfterSeconds?: number
  /**
   * Space out writes the way GitHub advises for bulk writers (one a second, one every three for
   * writes that notify). Off by default: a run writes a handful of times, far below what that
   * advice is for, and spacing would put seconds between ready and the comment. Secondary rate
   * limits are honoured through retry-after either way. The plugin keeps these limiters for the
   * whole process.
   */
  pace?: boolean
}

const ApiOctokit = Octokit.plugin(retry, throttling)

/** Octokit with GitHub's recommended throttling and bounded retries, logging through core. */
export function createOctokit(options: GitHubApiOptions): InstanceType<typeof ApiOctokit> {
  const maxRetries = options.maxRetries ?? 3
  const retryBaseMs = options.retryBaseMs ?? 1000
  const maxWait = options.maxRetryAfterSeconds ?? 120

  // Both handlers get the wait GitHub asked for; past our bound we stop rather than stall.
  const onLimit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _o: unknown, count: number) => {
      const what = `${request.method} ${request.url}`
      if (count >= maxRetries || retryAfter > maxWait) {
        core.warning(`GitHub ${kind} for ${what}; giving up after attempt ${count + 1}.`)
        return false
      }
      core.info(
        `GitHub ${kind} for ${what} on attempt ${count + 1}; retrying in ${retryAfter} s (at most ${maxRetries} retries).`,
      )
      return true
    }

  const throttle: ThrottlingOptions = {
    onRateLimit: onLimit('rate limit reached'),
    onSecondaryRateLimit: onLimit('secondary rate limit reached'),
    retryAfterBaseValue: retryBaseMs,
    ...(options.pace === true ? {} : unpacedGroups()),
  }
  return new ApiOctokit({
    auth: options.token,
    baseUrl: (options.baseUrl || process.env.GITHUB_API_URL || 'https://api.github.com').replace(
      /\/+$/,
      '',
    ),
    userAgent: options.userAgent ?? 'ephemera',
    throttle,
    retry: { retries: maxRetries, retryAfterBaseValue: retryBaseMs },
    // Each attempt's outcome lands in the debug log with GitHub's request id.
    log: {
      debug: () => {},
      info: (message: string) => core.debug(message),
      warn: (message: string) => core.warning(message),
      error: (message: string) => core.debug(message),
    },
  })
}

// The throttling plugin only calls `key(id).schedule(options, fn, ...args)` on these groups;
// a pass-through keeps its retry handling while dropping the spacing between writes.
function unpacedGroups(): Pick<ThrottlingOptions, 'write' | 'notifications'> {
  const passThrough = {
    key: () => ({
      schedule: (_options: unknown, fn: (...args: unknown[]) => unknown, ...args: unknown[]) =>
        Promise.resolve(fn(...args)),
    }),
  }
  const group = passThrough as unknown as NonNullable<ThrottlingOptions['write']>
  return { write: group, notifications: group }
}
