import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { formatSize } from '../../src/container/image.js'
import { LITE_IMAGE } from '../../src/container/lite-image.js'
import { containersLabelled, docker, removeImage } from '../helpers/containers.js'
import { describeWithDocker } from '../helpers/docker.js'
import { freePort } from '../helpers/net.js'
import { findLeaks, type MainRun, runAction, scratchDir } from '../helpers/run-action.js'
import { type RegistryServer, startRegistry } from '../servers/registry.js'
import {
  exportEngineImage,
  type ImageParts,
  packImage,
  type RegistryImage,
} from '../servers/registry-image.js'

// The lite image, served by a loopback registry the engine pulls from over plain HTTP (engines
// treat 127.0.0.0/8 as an insecure registry). The label gives the served image an id of its
// own, so the engine cannot skip a pull because it already holds ephemera-lite:latest.
const REPO = 'ephemera/lite'
const PRIVATE = 'ephemera/private'
const IMAGE_LABEL = 'ephemera.registry-test'
const CREDENTIALS = { username: 'ci-bot', password: 'reg-pass-7c1d93e0' }

let registry: RegistryServer
let parts: ImageParts
let image: RegistryImage
/** DOCKER_CONFIG for the steps: empty, so no login on this machine leaks into a test. */
let noLogin: string
let refs: string[] = []
let runs: MainRun[] = []

function newRef(repo = REPO, host = registry.host): { ref: string; tag: string } {
  const tag = `pulltest-${randomBytes(4).toString('hex')}`
  const ref = `${host}/${repo}:${tag}`
  refs.push(ref)
  return { ref, tag }
}

async function setup(
  ref: string,
  extra: Record<string, string> = {},
  dockerConfig = noLogin,
): Promise<MainRun> {
  const inputs = { engine: 'lite', network: 'host', port: String(await freePort()), image: ref }
  const run = await runAction({
    action: 'setup',
    inputs: { ...inputs, ...extra },
    env: { DOCKER_CONFIG: dockerConfig },
  })
  runs.push(run)
  return run
}

function messages(run: MainRun, command: 'error' | 'warning'): string[] {
  return run.commands.filter((c) => c.command === command).map((c) => c.message)
}

function pullWarnings(run: MainRun): string[] {
  return messages(run, 'warning').filter((m) => m.startsWith('Pulling '))
}

/** Method and status of each manifest request since `since`, in order. */
function manifestRequests(server: RegistryServer, since: number): string[] {
  return server.requests
    .slice(since)
    .filter((r) => r.path.includes('/manifests/'))
    .map((r) => `${r.method} ${r.status}`)
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

async function imageStatus(ref: string): Promise<number> {
  return docker
    .getImage(ref)
    .inspect()
    .then(
      () => 200,
      (error: { statusCode?: number }) => error.statusCode ?? 0,
    )
}

async function expectNothingStarted(run: MainRun): Promise<void> {
  const runId = run.jobEnv.GITHUB_RUN_ID ?? ''
  expect(await containersLabelled({ 'ephemera.run-id': runId })).toEqual([])
  const post = await run.post()
  expect(post.exitCode, post.stdout).toBe(0)
}

async function pullDirectly(ref: string): Promise<void> {
  const stream = await docker.pull(ref)
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve()))
  })
}

describeWithDocker('setup pulling through a loopback registry (real engine)', () => {
  beforeAll(async () => {
    parts = await exportEngineImage(docker, LITE_IMAGE, { [IMAGE_LABEL]: '1' })
    image = await packImage(parts)
    registry = await startRegistry()
    registry.push(REPO, 'base', image)
    registry.protect(PRIVATE, CREDENTIALS)
    noLogin = scratchDir('docker-config')
  })

  afterEach(async () => {
    // A test that failed half-way may leave its container; post normally removes it.
    for (const run of runs) {
      const runId = run.jobEnv.GITHUB_RUN_ID ?? ''
      for (const c of await containersLabelled({ 'ephemera.run-id': runId })) {
        await docker.getContainer(c.Id).remove({ force: true })
      }
    }
    for (const ref of refs) await removeImage(ref)
    runs = []
    refs = []
  })

  afterAll(async () => {
    await registry?.close()
    const left = await docker.listImages({ filters: { label: [`${IMAGE_LABEL}=1`] } })
    for (const leftover of left) await removeImage(leftover.Id)
    expect(left.map((i) => i.RepoTags)).toEqual([])
  })

  it('pulls a missing image with a line per finished layer, starts it, and post removes it', async () => {
    // Layer digests the engine has never seen, so it downloads them instead of finding them.
    const fresh = await packImage(parts, { gzipTime: Math.floor(Date.now() / 1000) })
    const { ref, tag } = newRef()
    registry.push(REPO, tag, fresh)
    expect(await imageStatus(ref)).toBe(404)
    const since = registry.requests.length

    const run = await setup(ref)
    expect(run.exitCode, run.stdout).toBe(0)
    const layerLines = run.stdout.split('\n').filter((line) => line.startsWith('  layer '))
    expect(layerLines).toEqual(
      fresh.layers.map(
        (l) => `  layer ${l.digest.slice(7, 19)}: Pull complete (${formatSize(l.size)})`,
      ),
    )
    const served = registry.requests
      .slice(since)
      .filter((r) => r.method === 'GET' && r.status === 200 && r.path.includes('/blobs/'))
      .map((r) => r.path.split('/').pop())
    expect(served.sort()).toEqual(
      [fresh.config.digest, ...fresh.layers.map((l) => l.digest)].sort(),
    )
    expect(pullWarnings(run)).toEqual([])

    const id = run.outputs['container-id'] ?? ''
    const info = await docker.getContainer(id).inspect()
    expect(info.State.Running).toBe(true)
    expect(info.Config.Image).toBe(ref)
    expect(info.Image).toBe(fresh.config.digest)
    expect(run.outputs.version).toMatch(/^\d+\.\d+\.\d+/)

    const post = await run.post()
    expect(post.exitCode, post.stdout).toBe(0)
    await expect(docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 })
  })

  it('waits out two rate-limited attempts, warning for each, and then pulls', async () => {
    const { ref, tag } = newRef()
    registry.push(REPO, tag, image)
    // The engine asks for a manifest by HEAD and, when that fails, by GET: two 429s per attempt.
    registry.inject({
      path: new RegExp(`/manifests/${tag}$`),
      status: 429,
      times: 4,
      retryAfter: 1,
    })
    const since = registry.requests.length

    const run = await setup(ref)
    expect(run.exitCode, run.stdout).toBe(0)
    const failed = `^Pulling ${escapeRegExp(ref)} failed on attempt`
    expect(pullWarnings(run)).toEqual([
      expect.stringMatching(
        new RegExp(`${failed} 1 \\(.*toomanyrequests.*\\); retrying in 2000 ms$`),
      ),
      expect.stringMatching(
        new RegExp(`${failed} 2 \\(.*toomanyrequests.*\\); retrying in 4000 ms$`),
      ),
    ])
    expect(manifestRequests(registry, since)).toEqual([
      'HEAD 429',
      'GET 429',
      'HEAD 429',
      'GET 429',
      'HEAD 200',
      'GET 200',
    ])
    expect(await imageStatus(ref)).toBe(200)
    expect((await run.post()).exitCode).toBe(0)
  })

  it.each([
    ['a tag its repository lacks', REPO, 'manifest unknown: manifest unknown'],
    ['a repository the registry lacks', 'ephemera/absent', 'name unknown'],
  ])('fails at once on %s, naming input image, and starts nothing', async (_what, repo, why) => {
    const { ref } = newRef(repo)
    const since = registry.requests.length

    const run = await setup(ref)
    expect(run.exitCode).toBe(1)
    const error = messages(run, 'error').join('\n')
    expect(error).toContain(`Image ${ref} does not exist in its registry (`)
    expect(error).toContain(why)
    expect(error).toContain(`check input 'image'`)
    // One attempt: the engine asks by HEAD, then by GET, and gives up.
    expect(pullWarnings(run)).toEqual([])
    expect(manifestRequests(registry, since)).toEqual(['HEAD 404', 'GET 404'])
    await expectNothingStarted(run)
  })

  it('fails at once when the registry refuses the repository, pointing at a login', async () => {
    const { ref, tag } = newRef(PRIVATE)
    registry.push(PRIVATE, tag, image)
    const since = registry.requests.length

    const run = await setup(ref)
    expect(run.exitCode).toBe(1)
    const error = messages(run, 'error').join('\n')
    expect(error).toContain(`Pulling ${ref} was refused (`)
    expect(error).toContain('unauthorized: authentication required')
    expect(error).toContain('docker/login-action')
    expect(error).toContain(`input 'image'`)
    expect(pullWarnings(run)).toEqual([])
    expect(manifestRequests(registry, since)).toEqual(['HEAD 401', 'GET 401'])
    expect(registry.requests.slice(since).some((r) => r.withCredentials)).toBe(false)
    await expectNothingStarted(run)
  })

  // A registry that challenges at /v2/ makes the engine give up with "no basic auth
  // credentials" inside a 500 answer: the 500 must not make it look transient.
  it('fails at once without a login when every repository needs one', async () => {
    const strict = await startRegistry({ challengeBase: true })
    try {
      strict.push(PRIVATE, 'base', image)
      strict.protect(PRIVATE, CREDENTIALS)
      const { ref } = newRef(PRIVATE, strict.host)

      const run = await setup(ref)
      expect(run.exitCode).toBe(1)
      expect(messages(run, 'error').join('\n')).toContain(`Pulling ${ref} was refused (`)
      expect(pullWarnings(run)).toEqual([])
      await expectNothingStarted(run)
    } finally {
      await strict.close()
    }
  })

  // The engine reads only username and password from X-Registry-Auth, not the config file's
  // encoded `auth` field.
  it('pulls from a registry that needs a login with the credentials docker login stored', async () => {
    const strict = await startRegistry({ challengeBase: true })
    try {
      const { ref, tag } = newRef(PRIVATE, strict.host)
      strict.push(PRIVATE, tag, image)
      strict.protect(PRIVATE, CREDENTIALS)
      const config = scratchDir('docker-login')
      const auth = Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64')
      writeFileSync(
        join(config, 'config.json'),
        JSON.stringify({ auths: { [strict.host]: { auth } } }),
      )
      const run = await setup(ref, {}, config)
      expect(run.exitCode, run.stdout).toBe(0)
      const asked = strict.requests.filter((r) => r.path.includes(`/${PRIVATE}/`))
      expect(asked.length).toBeGreaterThan(0)
      expect(asked.every((r) => r.withCredentials && r.status === 200)).toBe(true)
      expect(findLeaks(run, [CREDENTIALS.password, auth])).toEqual([])
      expect((await run.post()).exitCode).toBe(0)
    } finally {
      await strict.close()
    }
  })

  it('with pull: always asks the registry again for an image it already has', async () => {
    const { ref, tag } = newRef()
    registry.push(REPO, tag, image)
    await pullDirectly(ref)
    const before = await docker.getImage(ref).inspect()
    const since = registry.requests.length

    const run = await setup(ref, { pull: 'always' })
    expect(run.exitCode, run.stdout).toBe(0)
    // dockerd asks with HEAD, and sometimes GETs the manifest by digest as well.
    const asked = manifestRequests(registry, since)
    expect(asked[0]).toBe('HEAD 200')
    expect(asked.every((r) => r.endsWith(' 200'))).toBe(true)
    // The engine holds the image the manifest names, so no blob is fetched.
    expect(registry.requests.slice(since).filter((r) => r.path.includes('/blobs/'))).toEqual([])
    expect((await docker.getImage(ref).inspect()).Id).toBe(before.Id)
    expect((await run.post()).exitCode).toBe(0)
  })

  it('with pull: missing leaves the registry alone for an image it already has', async () => {
    const { ref, tag } = newRef()
    registry.push(REPO, tag, image)
    await pullDirectly(ref)
    const since = registry.requests.length

    const run = await setup(ref, { pull: 'missing' })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(registry.requests.slice(since)).toEqual([])
    expect((await run.post()).exitCode).toBe(0)
  })
})
