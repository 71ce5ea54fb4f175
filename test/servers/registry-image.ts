// Images as a registry serves them: a schema2 manifest naming a config blob and gzipped layer
// blobs, each addressed by the sha256 of the bytes served.
import { createHash } from 'node:crypto'
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import type Dockerode from 'dockerode'
import { readTar } from './registry-tar.js'

export const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json'
export const IMAGE_CONFIG = 'application/vnd.docker.container.image.v1+json'
export const LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip'

const gzipAsync = promisify(gzip)

export interface Blob {
  mediaType: string
  /** sha256:<hex> of `data`. */
  digest: string
  size: number
  data: Buffer
}

export interface RegistryImage {
  mediaType: typeof MANIFEST_V2
  /** sha256:<hex> of `manifest`, what the registry sends as Docker-Content-Digest. */
  digest: string
  manifest: Buffer
  config: Blob
  layers: Blob[]
}

/** An image before packing: its config JSON and its layers as uncompressed tars. */
export interface ImageParts {
  config: Record<string, unknown>
  layers: Buffer[]
}

export interface PackOptions {
  /**
   * Seconds written into each layer's gzip header. The layer stays the same but its blob digest
   * changes, so an engine that pulled these layers before downloads them again instead of
   * reporting them as already there from the digests it remembers.
   */
  gzipTime?: number
}

export function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`
}

function blob(mediaType: string, data: Buffer): Blob {
  return { mediaType, digest: sha256(data), size: data.length, data }
}

/**
 * Gzips the layers and writes the manifest. The config's rootfs is set to the digests of the
 * uncompressed layers, which the engine checks each download against.
 */
export async function packImage(parts: ImageParts, opts: PackOptions = {}): Promise<RegistryImage> {
  const diffIds = parts.layers.map(sha256)
  const config = { ...parts.config, rootfs: { type: 'layers', diff_ids: diffIds } }
  const layers: Blob[] = []
  for (const tar of parts.layers) {
    const gz = await gzipAsync(tar, { level: 1 })
    if (opts.gzipTime !== undefined) gz.writeUInt32LE(opts.gzipTime >>> 0, 4)
    layers.push(blob(LAYER_GZIP, gz))
  }
  const configBlob = blob(IMAGE_CONFIG, Buffer.from(JSON.stringify(config)))
  const describe = ({ mediaType, size, digest }: Blob) => ({ mediaType, size, digest })
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_V2,
      config: describe(configBlob),
      layers: layers.map(describe),
    }),
  )
  return { mediaType: MANIFEST_V2, digest: sha256(manifest), manifest, config: configBlob, layers }
}

/** A minimal linux/amd64 image config for layers built in a test. */
export function imageConfig(cmd: string[]): Record<string, unknown> {
  return {
    architecture: 'amd64',
    os: 'linux',
    created: '2024-01-01T00:00:00Z',
    config: { Cmd: cmd, Labels: {} },
  }
}

/**
 * An image of the local engine, read through the image export (`docker save`), with labels
 * added to its config. Any label makes the config, and so the image id, differ from the
 * original, so a pull cannot be skipped because the engine already holds that image.
 */
export async function exportEngineImage(
  docker: Dockerode,
  ref: string,
  labels: Record<string, string> = {},
): Promise<ImageParts> {
  const chunks: Buffer[] = []
  for await (const chunk of await docker.getImage(ref).get()) chunks.push(chunk as Buffer)
  const files = readTar(Buffer.concat(chunks))
  const entries = JSON.parse(fileOf(files, 'manifest.json').toString('utf8')) as Array<{
    Config: string
    Layers: string[]
  }>
  const entry = entries[0]
  if (!entry) throw new Error(`the export of ${ref} lists no image`)
  const config = JSON.parse(fileOf(files, entry.Config).toString('utf8')) as {
    config?: { Labels?: Record<string, string> | null }
    rootfs?: { diff_ids?: string[] }
  }
  const layers = entry.Layers.map((path) => fileOf(files, path))

  const expected = config.rootfs?.diff_ids ?? []
  const got = layers.map(sha256)
  if (expected.join() !== got.join()) {
    throw new Error(`layers exported for ${ref} do not match its config: ${got} vs ${expected}`)
  }
  const inner = config.config ?? {}
  config.config = { ...inner, Labels: { ...(inner.Labels ?? {}), ...labels } }
  return { config, layers }
}

function fileOf(files: Map<string, Buffer>, path: string): Buffer {
  const data = files.get(path)
  if (!data) throw new Error(`image export has no ${path}`)
  return data
}
