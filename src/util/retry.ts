import { type Clock, systemClock } from './clock.js'
import { errorMessage } from './errors.js'

export interface RetryOptions {
  /** Total attempts, the first included. */
  attempts: number
  baseMs: number
  maxMs: number
  /** Whether this error is worth another attempt; others are thrown at once. */
  isRetryable: (error: unknown) => boolean
  /** A delay the failure itself asked for (a retry-after header), in milliseconds. */
  delayHint?: (error: unknown) => number | undefined
  onRetry?: (attempt: number, error: unknown, delayMs: number) => void
  clock?: Clock
}

/** Runs `fn` until it succeeds, with exponential backoff between retryable failures. */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: RetryOptions,
): Promise<T> {
  const clock = opts.clock ?? systemClock
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (error) {
      if (attempt >= opts.attempts || !opts.isRetryable(error)) throw error
      const backoff = Math.min(opts.maxMs, opts.baseMs * 2 ** (attempt - 1))
      const delay = Math.min(opts.maxMs, opts.delayHint?.(error) ?? backoff)
      opts.onRetry?.(attempt, error, delay)
      await clock.sleep(delay)
    }
  }
}

/** The text retries log: which attempt failed, why, and when the next one comes. */
export function describeRetry(
  what: string,
  attempt: number,
  error: unknown,
  delayMs: number,
): string {
  return `${what} failed on attempt ${attempt} (${errorMessage(error)}); retrying in ${delayMs} ms`
}
