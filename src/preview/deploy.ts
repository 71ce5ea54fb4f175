import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface DeployResult {
  exitCode: number
  /** The last part of what the commands printed, for the PR comment. */
  tail: string
  links: Array<{ label: string; url: string }>
  ms: number
}

const TAIL_BYTES = 8 * 1024

/**
 * Runs the user's deploy commands from a script file with bash, never by pasting them into a
 * command line. Output goes to the job log as it comes; the tail is kept for the comment.
 */
export async function runDeploy(
  script: string,
  env: Record<string, string>,
  opts: { tempDir: string; cwd: string; write?: (chunk: string) => void },
): Promise<DeployResult> {
  const dir = join(opts.tempDir, `ephemera-deploy-${randomBytes(4).toString('hex')}`)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const file = join(dir, 'deploy.sh')
  const linksFile = join(dir, 'links')
  writeFileSync(file, script, { mode: 0o700 })
  writeFileSync(linksFile, '')
  const write = opts.write ?? ((chunk: string) => process.stdout.write(chunk))
  const started = Date.now()
  let tail = ''
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
    cwd: opts.cwd,
    env: { ...process.env, ...env, PREVIEW_LINKS_FILE: linksFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8')
    write(text)
    tail = (tail + text).slice(-TAIL_BYTES)
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)
  const exitCode = await new Promise<number>((resolve) => {
    child.on('error', (error) => {
      tail += `\n${error.message}`
      resolve(127)
    })
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
  })
  const links = parseLinks(readFileSync(linksFile, 'utf8'))
  rmSync(dir, { recursive: true, force: true })
  return { exitCode, tail, links, ms: Date.now() - started }
}

/** `label=url` lines; lines that are not that, or not http(s), are skipped. */
export function parseLinks(text: string): Array<{ label: string; url: string }> {
  const links: Array<{ label: string; url: string }> = []
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    const label = line.slice(0, eq).trim()
    const url = line.slice(eq + 1).trim()
    if (label !== '' && /^https?:\/\/\S+$/.test(url)) links.push({ label, url })
  }
  return links
}
