import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, readFile, realpath, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { Readable } from 'node:stream'
import { promisify } from 'node:util'
import type Dockerode from 'dockerode'

export const LITE_IMAGE = 'ephemera-lite:latest'

const NODE_IN_IMAGE = '/usr/local/bin/node'
const BUNDLE_IN_IMAGE = '/app/emulator.cjs'
const BUNDLE_LABEL = 'ephemera.bundle-sha256'

const run = promisify(execFile)

export interface BuildLiteImageOptions {
  /** The emulator bundle, dist/emulator.cjs. */
  bundlePath: string
  tag?: string
  /** The Node binary to ship; the one running this code by default. */
  nodePath?: string
  /** Strip symbols from the Node binary (about 13 MB smaller, about 1 s slower to build). */
  strip?: boolean
}

export interface LiteImage {
  tag: string
  id: string
  sizeBytes: number
  ms: number
}

/** One entry of the image's root filesystem. */
export interface RootEntry {
  /** Path inside the image, without a leading slash. */
  path: string
  mode: number
  /** Host file whose content goes there; a directory when absent. */
  source?: string
  size?: number
}

/** True when the engine has an image under `tag`. */
export async function liteImageExists(docker: Dockerode, tag = LITE_IMAGE): Promise<boolean> {
  return (await inspectImage(docker, tag)) !== undefined
}

/** True when the image under `tag` was built from this very bundle. */
export async function liteImageIsCurrent(
  docker: Dockerode,
  bundlePath: string,
  tag = LITE_IMAGE,
): Promise<boolean> {
  const info = await inspectImage(docker, tag)
  return info?.Config?.Labels?.[BUNDLE_LABEL] === (await sha256(bundlePath))
}

/**
 * Builds the lite emulator image without a registry: a root filesystem holding the Node
 * binary, the shared libraries and loader `ldd` names for it (at the paths it names), the
 * bundle and /tmp, streamed as a tar into the engine's image import.
 */
export async function buildLiteImage(
  docker: Dockerode,
  opts: BuildLiteImageOptions,
): Promise<LiteImage> {
  const started = Date.now()
  const tag = opts.tag ?? LITE_IMAGE
  const previous = await inspectImage(docker, tag)
  const nodePath = await realpath(opts.nodePath ?? process.execPath)
  const scratch = await mkdtemp(join(tmpdir(), 'ephemera-lite-image-'))
  try {
    const libraries = await listSharedLibraries(nodePath)
    const node = opts.strip ? await tryStrip(nodePath, join(scratch, 'node')) : nodePath
    const entries = await rootEntries(node, libraries, opts.bundlePath)
    const digest = await sha256(opts.bundlePath)

    const [repo, version = 'latest'] = splitTag(tag)
    const progress = await docker.importImage(Readable.from(writeTar(entries)), {
      repo,
      tag: version,
      message: 'ephemera lite emulator',
      changes: [
        `CMD ${JSON.stringify([NODE_IN_IMAGE, BUNDLE_IN_IMAGE])}`,
        'EXPOSE 4566',
        'LABEL ephemera.tool=ephemera-lite',
        `LABEL ${BUNDLE_LABEL}=${digest}`,
      ],
    })
    await followImport(docker, progress, tag)
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }

  const info = await inspectImage(docker, tag)
  if (!info) throw new Error(`Image ${tag} is missing right after its import succeeded.`)
  // The image this one replaces lost its tag; drop it unless a container still uses it.
  if (previous && previous.Id !== info.Id) {
    await docker
      .getImage(previous.Id)
      .remove()
      .catch(() => undefined)
  }
  return { tag, id: info.Id, sizeBytes: info.Size, ms: Date.now() - started }
}

/**
 * The files `ldd` lists for a binary: each `name => /path` and the bare loader path, in order.
 * The vDSO has no file and is skipped; a library ldd cannot find is an error.
 */
export function parseLdd(output: string): string[] {
  const paths: string[] = []
  for (const line of output.split('\n')) {
    const text = line.trim()
    if (text === '' || text.startsWith('statically linked')) continue
    if (/=>\s*not found/.test(text)) {
      throw new Error(`ldd cannot find ${text.split(/\s/)[0]}, which Node needs.`)
    }
    const path = /=>\s*(\/\S+)/.exec(text)?.[1] ?? /^(\/\S+)/.exec(text)?.[1]
    if (path && !paths.includes(path)) paths.push(path)
  }
  return paths
}

async function listSharedLibraries(binary: string): Promise<string[]> {
  try {
    const { stdout } = await run('ldd', [binary])
    return parseLdd(stdout)
  } catch (error) {
    // ldd exits non-zero for a static binary, which needs nothing more.
    const output = String((error as { stdout?: unknown }).stdout ?? '')
    if (/not a dynamic executable|statically linked/.test(output + String(error))) return []
    throw new Error(`Listing the shared libraries of ${binary} with ldd failed: ${String(error)}`)
  }
}

/** The stripped copy when `strip` is on this machine, else the binary itself. */
async function tryStrip(binary: string, target: string): Promise<string> {
  try {
    await run('strip', ['-o', target, binary])
    return target
  } catch {
    return binary
  }
}

/** Every file with its parent directories, symlinks resolved to the files they point at. */
export async function rootEntries(
  node: string,
  libraries: string[],
  bundlePath: string,
): Promise<RootEntry[]> {
  const files: Array<[string, string, number]> = [
    [NODE_IN_IMAGE, node, 0o755],
    [BUNDLE_IN_IMAGE, bundlePath, 0o644],
  ]
  for (const library of libraries) files.push([library, library, 0o755])

  const entries = new Map<string, RootEntry>([['tmp', { path: 'tmp', mode: 0o1777 }]])
  for (const [inImage, source, mode] of files) {
    const path = posix.normalize(inImage).replace(/^\/+/, '')
    for (let dir = posix.dirname(path); dir !== '.'; dir = posix.dirname(dir)) {
      if (!entries.has(dir)) entries.set(dir, { path: dir, mode: 0o755 })
    }
    const real = await realpath(source)
    entries.set(path, { path, mode, source: real, size: (await stat(real)).size })
  }
  // Parents before children, as a tar reader expects.
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** A ustar archive of the entries, file contents streamed from disk. */
export async function* writeTar(entries: RootEntry[]): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    yield tarHeader(entry)
    if (entry.source === undefined) continue

    let written = 0
    for await (const chunk of createReadStream(entry.source)) {
      written += (chunk as Buffer).length
      yield chunk as Buffer
    }
    if (written !== entry.size) {
      throw new Error(`${entry.source} changed size while the image was being built.`)
    }
    const padding = (512 - (written % 512)) % 512
    if (padding > 0) yield Buffer.alloc(padding)
  }
  yield Buffer.alloc(1024)
}

function tarHeader(entry: RootEntry): Buffer {
  const isDir = entry.source === undefined
  const [prefix, name] = splitTarName(isDir ? `${entry.path}/` : entry.path)
  const header = Buffer.alloc(512)
  header.write(name, 0, 100, 'utf8')
  writeOctal(header, 100, 8, entry.mode)
  writeOctal(header, 108, 8, 0)
  writeOctal(header, 116, 8, 0)
  writeOctal(header, 124, 12, isDir ? 0 : (entry.size ?? 0))
  writeOctal(header, 136, 12, 0)
  header.write('        ', 148, 8, 'latin1')
  header.write(isDir ? '5' : '0', 156, 1, 'latin1')
  header.write('ustar\u000000', 257, 8, 'latin1')
  header.write('root', 265, 32, 'latin1')
  header.write('root', 297, 32, 'latin1')
  header.write(prefix, 345, 155, 'utf8')

  let sum = 0
  for (const byte of header) sum += byte
  header.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1')
  return header
}

// ustar keeps names up to 100 bytes, plus a 155-byte prefix split off at a slash.
function splitTarName(path: string): [string, string] {
  if (Buffer.byteLength(path) <= 100) return ['', path]
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i)
    const name = path.slice(i + 1)
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') {
      return [prefix, name]
    }
  }
  throw new Error(`Path ${path} is too long for the image archive.`)
}

function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  header.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'latin1')
}

function splitTag(tag: string): [string, string | undefined] {
  const colon = tag.lastIndexOf(':')
  if (colon === -1 || tag.indexOf('/', colon) !== -1) return [tag, undefined]
  return [tag.slice(0, colon), tag.slice(colon + 1)]
}

// The import answers 200 and then streams progress; a failure arrives as an error message in
// that stream, which followProgress does not turn into a rejection.
async function followImport(
  docker: Dockerode,
  progress: NodeJS.ReadableStream,
  tag: string,
): Promise<void> {
  const failures: string[] = []
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      progress,
      (error) => (error ? reject(error) : resolve()),
      (event: { error?: string; errorDetail?: { message?: string } }) => {
        const message = event.errorDetail?.message ?? event.error
        if (message) failures.push(message)
      },
    )
  })
  if (failures.length > 0) throw new Error(`Importing ${tag} failed: ${failures.join('; ')}`)
}

async function inspectImage(
  docker: Dockerode,
  tag: string,
): Promise<Dockerode.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(tag).inspect()
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined
    throw error
  }
}

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex')
}
