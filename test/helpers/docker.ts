import { execFileSync } from 'node:child_process'
import { describe } from 'vitest'

let cached: string | undefined

/** Why Docker cannot be used here, or '' when an engine answers. */
export function dockerUnavailableReason(): string {
  if (cached !== undefined) return cached
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
      stdio: 'pipe',
      timeout: 10_000,
    })
    cached = ''
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error)
    cached = `no Docker engine answers (${detail})`
  }
  return cached
}

/**
 * `describe` for tests that need a Docker engine. Without one they skip with the reason on
 * a developer machine, and fail under CI, where a missing engine is a broken setup.
 */
export function describeWithDocker(name: string, body: () => void): void {
  const reason = dockerUnavailableReason()
  if (reason === '') {
    describe(name, body)
  } else if (process.env.CI) {
    describe(name, () => {
      throw new Error(`CI is set but ${reason}; start dockerd (see .ci/run).`)
    })
  } else {
    describe.skip(`${name} [skipped: ${reason}]`, body)
  }
}
