import type { ContainerState } from '../docker/engine.js'
import type { EngineProfile } from '../engines.js'
import { type Clock, systemClock } from '../util/clock.js'
import { type Probe, probeEmulator } from './probe.js'

export interface WaitOptions {
  baseUrl: string
  profile: EngineProfile
  timeoutMs: number
  /** The container's state, checked between probes so a crash ends the wait at once. */
  containerState?: () => Promise<ContainerState | undefined>
  probe?: (baseUrl: string, profile: EngineProfile) => Promise<Probe>
  onProbe?: (probe: Probe, attempt: number) => void
  clock?: Clock
}

export type WaitResult =
  | { outcome: 'ready'; probe: Probe; ms: number; attempts: number }
  | { outcome: 'exited'; state: ContainerState | undefined; last: Probe | undefined; ms: number }
  | { outcome: 'timeout'; last: Probe | undefined; ms: number; attempts: number }

/**
 * Polls the emulator until it is ready, its container stops, or time runs out. Polls are
 * 20 ms apart at first and at most 50 ms for the first 5 s, so a fast emulator is seen almost
 * as soon as it serves; after that they back off to 250 ms.
 */
export async function waitUntilReady(opts: WaitOptions): Promise<WaitResult> {
  const clock = opts.clock ?? systemClock
  const probe = opts.probe ?? probeEmulator
  const started = clock.now()
  let last: Probe | undefined
  let delay = 20
  for (let attempt = 1; ; attempt++) {
    const [seen, state] = await Promise.all([
      probe(opts.baseUrl, opts.profile),
      opts.containerState?.(),
    ])
    last = seen
    opts.onProbe?.(seen, attempt)
    const ms = clock.now() - started
    if (seen.ready) return { outcome: 'ready', probe: seen, ms, attempts: attempt }
    // 'created': another run has made the container and is about to start it.
    if (opts.containerState && !state?.running && state?.status !== 'created') {
      return { outcome: 'exited', state, last, ms }
    }
    if (ms >= opts.timeoutMs) return { outcome: 'timeout', last, ms, attempts: attempt }
    const cap = ms < 5000 ? 50 : 250
    delay = Math.min(cap, Math.round(delay * 1.5))
    await clock.sleep(Math.min(delay, Math.max(1, opts.timeoutMs - ms)))
  }
}
