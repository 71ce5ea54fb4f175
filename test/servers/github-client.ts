// Test wiring for the real GitHubApi against the loopback server: no pacing between writes
// and retry waits of a millisecond per second GitHub asks for, so tests never really wait.
import { createGitHubApi, type GitHubApi } from '../../src/github/api.js'
import type { GitHubServer } from './github.js'

export function createTestGitHubApi(
  server: GitHubServer,
  token: string = server.tokens.job,
  overrides: { maxRetries?: number; maxRetryAfterSeconds?: number } = {},
): GitHubApi {
  return createGitHubApi({
    token,
    baseUrl: server.url,
    userAgent: 'ephemera-test',
    retryBaseMs: 1,
    ...overrides,
  })
}

/** Collects what @actions/core prints (info lines, ::warning:: commands) while `fn` runs. */
export async function captureCoreOutput<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; output: string }> {
  const chunks: string[] = []
  const original = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
    return true
  }) as typeof process.stdout.write
  try {
    const result = await fn()
    return { result, output: chunks.join('') }
  } finally {
    process.stdout.write = original
  }
}
