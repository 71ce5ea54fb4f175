import { errorMessage } from '../util/errors.js'

/** The SDK's classification of a failed attempt (the retry middleware computes it). */
interface RetryErrorInfo {
  error?: unknown
  /** TRANSIENT, THROTTLING, SERVER_ERROR or CLIENT_ERROR. */
  errorType: string
  retryAfterHint?: Date
}

interface RetryToken {
  getRetryCount(): number
  getRetryDelay(): number
}

/** Where the call tag middleware leaves the action's name on an error, for the retry log. */
export const ACTION_KEY = '$ephemeraAction'

export interface RetryOptions {
  maxAttempts: number
  /** First backoff step; throttling starts at five times this. */
  baseMs: number
  maxMs: number
  log: (line: string) => void
  random?: () => number
}

/**
 * The SDK's retry strategy interface (acquire, refresh, recordSuccess), with exponential
 * backoff and jitter, that logs each retry with its attempt number and the error. Throttling,
 * 5xx and connection errors are retried; client errors (access denied, bad input) are not.
 */
export class LoggingRetryStrategy {
  readonly mode = 'standard'
  private readonly random: () => number

  constructor(private readonly opts: RetryOptions) {
    this.random = opts.random ?? Math.random
  }

  async acquireInitialRetryToken(_scope: string): Promise<RetryToken> {
    return token(0, 0)
  }

  async refreshRetryTokenForRetry(previous: RetryToken, info: RetryErrorInfo): Promise<RetryToken> {
    const attempt = previous.getRetryCount() + 1
    // The middleware rethrows the call's own error when this throws.
    if (info.errorType === 'CLIENT_ERROR' || attempt >= this.opts.maxAttempts) {
      throw info.error ?? new Error('not retried')
    }
    const base = info.errorType === 'THROTTLING' ? this.opts.baseMs * 5 : this.opts.baseMs
    const step = Math.min(this.opts.maxMs, base * 2 ** (attempt - 1))
    // Half fixed, half random: overlapping runs that were throttled together spread out.
    let delay = Math.round(step / 2 + (this.random() * step) / 2)
    const hinted = info.retryAfterHint ? info.retryAfterHint.getTime() - Date.now() : 0
    delay = Math.min(this.opts.maxMs, Math.max(delay, hinted))
    const action = (info.error as Record<string, unknown> | null)?.[ACTION_KEY] ?? 'An AWS call'
    this.opts.log(
      `${action} failed on attempt ${attempt} of ${this.opts.maxAttempts} (${codeOf(info.error)}: ${errorMessage(info.error)}); retrying in ${delay} ms.`,
    )
    return token(attempt, delay)
  }

  recordSuccess(_token: RetryToken): void {}
}

function token(count: number, delay: number): RetryToken {
  return { getRetryCount: () => count, getRetryDelay: () => delay }
}

export function codeOf(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown } | null
  if (typeof e?.code === 'string') return e.code
  if (typeof e?.name === 'string') return e.name
  return 'Error'
}
