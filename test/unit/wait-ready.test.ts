import { describe, expect, it } from 'vitest'
import type { Probe } from '../../src/container/probe.js'
import { waitUntilReady } from '../../src/container/wait-ready.js'
import type { ContainerState } from '../../src/docker/engine.js'
import { ENGINES } from '../../src/engines.js'
import { FakeClock } from '../fakes/clock.js'

const running: ContainerState = {
  id: 'c1',
  name: 'emu',
  running: true,
  status: 'running',
  exitCode: 0,
  oomKilled: false,
  error: '',
  labels: {},
}

function probesThen(notReady: number, ready: Probe): () => Promise<Probe> {
  let count = 0
  return async () => (++count > notReady ? ready : { ready: false, detail: 'ECONNREFUSED' })
}

describe('waitUntilReady', () => {
  it('returns as soon as a probe says ready, polling fast at first', async () => {
    const clock = new FakeClock()
    const result = await waitUntilReady({
      baseUrl: 'http://127.0.0.1:1',
      profile: ENGINES.lite,
      timeoutMs: 10_000,
      probe: probesThen(5, { ready: true, detail: 'ok', version: '1.2.3' }),
      containerState: async () => running,
      clock,
    })
    expect(result).toMatchObject({ outcome: 'ready', attempts: 6, probe: { version: '1.2.3' } })
    expect(clock.sleeps).toEqual([30, 45, 50, 50, 50])
  })

  it('stops waiting at once when the container exits', async () => {
    const clock = new FakeClock()
    let calls = 0
    const result = await waitUntilReady({
      baseUrl: 'http://127.0.0.1:1',
      profile: ENGINES.lite,
      timeoutMs: 120_000,
      probe: async () => ({ ready: false, detail: 'ECONNREFUSED' }),
      containerState: async () =>
        ++calls >= 3 ? { ...running, running: false, exitCode: 3 } : running,
      clock,
    })
    expect(result.outcome).toBe('exited')
    expect(result.outcome === 'exited' && result.state?.exitCode).toBe(3)
    expect(clock.sleeps).toHaveLength(2)
  })

  it('times out with the last probe, backing off to 250 ms after 5 s', async () => {
    const clock = new FakeClock()
    const result = await waitUntilReady({
      baseUrl: 'http://127.0.0.1:1',
      profile: ENGINES.lite,
      timeoutMs: 8_000,
      probe: async () => ({ ready: false, detail: 'services s3=starting' }),
      containerState: async () => running,
      clock,
    })
    expect(result).toMatchObject({ outcome: 'timeout', last: { detail: 'services s3=starting' } })
    expect(result.ms).toBeGreaterThanOrEqual(8_000)
    expect(result.ms).toBeLessThan(8_300)
    expect(Math.max(...clock.sleeps)).toBe(250)
  })
})
