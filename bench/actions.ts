// Speed targets of the actions, measured on the real engine. Run through `npm run bench`.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import Docker from 'dockerode'
import { LITE_IMAGE } from '../src/container/lite-image.js'
import { probeEmulator } from '../src/container/probe.js'
import { ENGINES } from '../src/engines.js'
import { freePort } from '../test/helpers/net.js'
import { ROOT, runAction } from '../test/helpers/run-action.js'
import type { Measurement } from './lite.js'

const docker = new Docker()

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

/** Milliseconds from create until the emulator answers ready, driving the engine directly. */
async function directStartToReady(): Promise<number> {
  const port = await freePort()
  const started = performance.now()
  const container = await docker.createContainer({
    Image: LITE_IMAGE,
    Env: [`GATEWAY_LISTEN=0.0.0.0:${port}`],
    Labels: { 'ephemera.test': '1' },
    HostConfig: { NetworkMode: 'host', Init: true },
  })
  try {
    await container.start()
    for (;;) {
      if ((await probeEmulator(`http://127.0.0.1:${port}`, ENGINES.lite, 1000)).ready) break
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    return performance.now() - started
  } finally {
    await container.remove({ force: true })
  }
}

/** The setup step's wall time (process start to exit) and its post step's, through the harness. */
async function actionStartToReady(): Promise<{ main: number; post: number }> {
  const run = await runAction({
    action: 'setup',
    inputs: { engine: 'lite', network: 'host', port: String(await freePort()) },
  })
  if (run.exitCode !== 0) throw new Error(`setup failed in the benchmark:\n${run.stdout}`)
  const post = await run.post()
  return { main: run.ms, post: post.ms }
}

/** Wall time of a bundle that exits at once (an input error, or no state), five runs. */
async function coldStart(bundle: string, env: Record<string, string>): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < 5; i++) {
    const started = performance.now()
    await new Promise<void>((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'dist', bundle)], {
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: 'ignore',
      })
      child.on('close', () => resolve())
    })
    times.push(performance.now() - started)
  }
  return median(times)
}

export async function benchSetup(): Promise<Measurement[]> {
  const direct: number[] = []
  const action: number[] = []
  const post: number[] = []
  for (let i = 0; i < 5; i++) {
    direct.push(await directStartToReady())
    const run = await actionStartToReady()
    action.push(run.main)
    post.push(run.post)
  }
  const baseline = await coldStart('../scripts/stubs/empty.cjs', {})
  return [
    {
      name: 'lite start to ready, direct (median of 5)',
      value: Math.round(median(direct)),
      unit: 'ms',
    },
    {
      name: 'setup step, start to ready (median of 5)',
      value: Math.round(median(action)),
      unit: 'ms',
    },
    {
      name: 'setup overhead beyond the emulator',
      value: Math.round(median(action) - median(direct)),
      unit: 'ms',
      target: 300,
    },
    {
      name: 'setup post step, removing the container',
      value: Math.round(median(post)),
      unit: 'ms',
    },
    { name: 'node start, empty script', value: Math.round(baseline), unit: 'ms' },
    {
      name: 'setup bundle cold start',
      value: Math.round(await coldStart('setup.cjs', { INPUT_ENGINE: 'none' })),
      unit: 'ms',
      target: 150,
    },
    {
      name: 'setup-post bundle cold start',
      value: Math.round(await coldStart('setup-post.cjs', {})),
      unit: 'ms',
      target: 110,
    },
  ]
}
