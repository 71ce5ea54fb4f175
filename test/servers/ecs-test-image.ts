// The image the ECS server's Docker tests run as a task: the lite emulator image when it is
// there, else a small image holding only the host's Node binary, imported from a tar of host
// files (no registry is needed).
import { execFile, spawn } from 'node:child_process'
import { realpath } from 'node:fs/promises'
import { promisify } from 'node:util'
import type Dockerode from 'dockerode'

export const LITE_TASK_IMAGE = 'ephemera-lite:latest'
export const NODE_TASK_IMAGE = 'ephemera-test-node:latest'
/** Where both images keep node. */
export const NODE_IN_IMAGE = '/usr/local/bin/node'

const run = promisify(execFile)

export interface TaskImage {
  image: string
  /** True for the lite emulator, which serves /_localstack/health on GATEWAY_LISTEN itself. */
  lite: boolean
}

/** The lite emulator image if the engine has it; otherwise the Node image, built if missing. */
export async function pickTaskImage(docker: Dockerode): Promise<TaskImage> {
  if (await hasImage(docker, LITE_TASK_IMAGE)) return { image: LITE_TASK_IMAGE, lite: true }
  if (!(await hasImage(docker, NODE_TASK_IMAGE))) await buildNodeImage(NODE_TASK_IMAGE)
  return { image: NODE_TASK_IMAGE, lite: false }
}

async function hasImage(docker: Dockerode, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect()
    return true
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false
    throw error
  }
}

/**
 * Streams the host's node binary and the libraries `ldd` lists (symlinks followed) as a tar
 * into `docker import`, putting node at NODE_IN_IMAGE.
 */
export async function buildNodeImage(tag: string): Promise<void> {
  const node = await realpath(process.execPath)
  const { stdout } = await run('ldd', [node])
  const libraries = [...stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1] ?? '')
  const members = [node, ...libraries].map((p) => p.replace(/^\//, ''))
  const nodeMember = node.replace(/^\//, '').replace(/[.[\]*^$\\]/g, '\\$&')
  const tar = spawn(
    'tar',
    ['-C', '/', '-c', '-h', `--transform=s,^${nodeMember}$,${NODE_IN_IMAGE.slice(1)},`, ...members],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const importer = spawn(
    'docker',
    [
      'import',
      '--change',
      'LABEL ephemera.test=1',
      '--change',
      `CMD ${JSON.stringify([NODE_IN_IMAGE])}`,
      '-',
      tag,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  )
  tar.stdout.pipe(importer.stdin)
  const [tarResult, importResult] = await Promise.all([finished(tar), finished(importer)])
  if (tarResult.code !== 0 || importResult.code !== 0) {
    throw new Error(
      `Building ${tag} failed: tar exited ${tarResult.code} (${tarResult.stderr.trim()}), docker import exited ${importResult.code} (${importResult.stderr.trim()}).`,
    )
  }
}

function finished(
  child: ReturnType<typeof spawn>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
    })
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stderr }))
  })
}
