import type { Clock } from '../../src/util/clock.js'

/** A clock whose sleep advances time at once, recording each wait. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = []
  constructor(private time = 1_700_000_000_000) {}

  now(): number {
    return this.time
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms)
    this.time += ms
  }

  advance(ms: number): void {
    this.time += ms
  }
}
