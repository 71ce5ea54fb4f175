// Size, build time and start-up time of the lite emulator image. Run directly for a table:
// node --import tsx bench/lite.ts
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { PassThrough } from 'node:stream'
import { fileURLToPath, pathToFileURL } from 'node:url'
import Docker from 'dockerode'
import { buildLiteImage } from '../src/container/lite-image.js'

export interface Measurement {
  name: string
  value: number
  unit: string
  target?: number
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const benchTag = 'ephemera-lite:bench'
const runs = 5

/** Builds the image (plain and stripped) and starts it five times, from dist/emulator.cjs. */
export async function benchLite(
  bundlePath = join(root, 'dist/emulator.cjs'),
): Promise<Measurement[]> {
  const docker = new Docker()
  try {
    const stripped = await buildLiteImage(docker, { bundlePath, tag: benchTag, strip: true })
    const image = await buildLiteImage(docker, { bundlePath, tag: benchTag })
    const starts: number[] = []
    for (let i = 0; i < runs; i++) starts.push(await timeStartToReady(docker, benchTag))

    return [
      { name: 'lite image size', value: round(image.sizeBytes / 1e6), unit: 'MB', target: 120 },
      { name: 'lite image build', value: image.ms, unit: 'ms' },
      {
        name: 'lite image size, node stripped',
        value: round(stripped.sizeBytes / 1e6),
        unit: 'MB',
      },
      { name: 'lite image build, node stripped', value: stripped.ms, unit: 'ms' },
      {
        name: `lite start to Ready. (median of ${runs})`,
        value: median(starts),
        unit: 'ms',
        target: 1500,
      },
      { name: 'lite start to Ready. (slowest)', value: Math.max(...starts), unit: 'ms' },
    ]
  } finally {
    await docker
      .getImage(benchTag)
      .remove({ force: true })
      .catch(() => undefined)
  }
}

/** Milliseconds from creating a container to its `Ready.` line; the container is removed. */
async function timeStartToReady(docker: Docker, image: string): Promise<number> {
  const port = await freePort()
  const started = performance.now()
  const container = await docker.createContainer({
    Image: image,
    Env: [`GATEWAY_LISTEN=127.0.0.1:${port}`],
    Labels: { 'ephemera.bench': '1' },
    HostConfig: { NetworkMode: 'host', Init: true },
  })
  try {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true })
    const output = new PassThrough()
    docker.modem.demuxStream(stream, output, output)
    stream.on('end', () => output.end())
    const ready = waitForLine(output, 'Ready.', 10_000)
    await container.start()
    await ready
    return Math.round(performance.now() - started)
  } finally {
    await container.remove({ force: true })
  }
}

function waitForLine(stream: PassThrough, line: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(
      () => reject(new Error(`no '${line}' within ${timeoutMs} ms: ${seen}`)),
      timeoutMs,
    )
    stream.on('data', (chunk: Buffer) => {
      seen += chunk.toString()
      if (seen.split('\n').includes(line)) {
        clearTimeout(timer)
        resolve()
      }
    })
    stream.on('end', () => {
      clearTimeout(timer)
      reject(new Error(`the container exited before '${line}':\n${seen}`))
    })
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN
}

function round(value: number): number {
  return Math.round(value * 10) / 10
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchLite(process.argv[2])
  console.table(
    rows.map(({ name, value, unit, target }) => ({
      name,
      value: `${value} ${unit}`,
      target: target === undefined ? '' : `<= ${target} ${unit}`,
      ok: target === undefined ? '' : value <= target ? 'yes' : 'NO',
    })),
  )
}
