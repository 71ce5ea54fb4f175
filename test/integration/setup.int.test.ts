import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildLiteImage, LITE_IMAGE, liteImageExists } from '../../src/container/lite-image.js'
import { containersLabelled, deriveImage, docker, removeImage } from '../helpers/containers.js'
import { describeWithDocker } from '../helpers/docker.js'
import { freePort, tcpToUnixProxy } from '../helpers/net.js'
import { findLeaks, ROOT, runAction } from '../helpers/run-action.js'

const CRASHING = 'ephemera-test-crash:latest'
const NEVER_READY = 'ephemera-test-never-ready:latest'

function errors(run: { commands: Array<{ command: string; message: string }> }): string {
  return run.commands
    .filter((c) => c.command === 'error')
    .map((c) => c.message)
    .join('\n')
}

async function liteInputs(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return { engine: 'lite', network: 'host', port: String(await freePort()), ...extra }
}

describeWithDocker('setup action (runner harness, real engine)', () => {
  beforeAll(async () => {
    await deriveImage(LITE_IMAGE, CRASHING, [
      '/usr/local/bin/node',
      '-e',
      'console.log("booting emulator"); console.error("fatal: config file /etc/emu.yml is missing"); process.exit(3)',
    ])
    await deriveImage(LITE_IMAGE, NEVER_READY, [
      '/usr/local/bin/node',
      '-e',
      'console.log("still warming up"); setInterval(() => console.log("still warming up"), 300)',
    ])
  })

  afterAll(async () => {
    await removeImage(CRASHING)
    await removeImage(NEVER_READY)
  })

  it('starts lite, exports the endpoint, serves S3, and post removes the container', async () => {
    const inputs = await liteInputs()
    const run = await runAction({ action: 'setup', inputs, env: { AWS_REGION: 'eu-west-1' } })
    expect(run.exitCode, run.stdout).toBe(0)
    const endpoint = `http://127.0.0.1:${inputs.port}`
    expect(run.outputs).toMatchObject({ 'endpoint-url': endpoint, engine: 'lite' })
    expect(run.outputs.version).toMatch(/^\d+\.\d+\.\d+/)
    expect(Number(run.outputs['startup-ms'])).toBeGreaterThan(0)
    expect(run.env).toMatchObject({
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-east-1',
    })
    // The job already had a region: it is left alone.
    expect(run.env.AWS_REGION).toBeUndefined()
    expect(run.path).toHaveLength(1)
    expect(run.summary).toContain('Emulator: lite')
    expect(run.summary).toContain(endpoint)
    expect(run.summary).toMatch(/s3=running/)

    const id = run.outputs['container-id'] ?? ''
    const info = await docker.getContainer(id).inspect()
    expect(info.State.Running).toBe(true)
    expect(info.Config.Labels).toMatchObject({
      'ephemera.tool': 'ephemera',
      'ephemera.engine': 'lite',
    })

    const s3 = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    })
    await s3.send(new CreateBucketCommand({ Bucket: 'setup-test' }))
    await s3.send(new PutObjectCommand({ Bucket: 'setup-test', Key: 'a.txt', Body: 'hello' }))
    const got = await s3.send(new GetObjectCommand({ Bucket: 'setup-test', Key: 'a.txt' }))
    expect(await got.Body?.transformToString()).toBe('hello')
    s3.destroy()

    const post = await run.post()
    expect(post.exitCode, post.stdout).toBe(0)
    expect(post.commands.filter((c) => c.command === 'warning')).toEqual([])
    await expect(docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 })
  })

  it('fails at once when the emulator exits during boot, with its exit code and log tail', async () => {
    const inputs = await liteInputs({ image: CRASHING })
    const run = await runAction({ action: 'setup', inputs })
    expect(run.exitCode).toBe(1)
    const message = errors(run)
    expect(message).toMatch(
      /lite stopped during startup after [\d.]+ s: its container exited with code 3/,
    )
    expect(message).toContain('fatal: config file /etc/emu.yml is missing')
    expect(run.ms).toBeLessThan(20_000)
    expect(await containersLabelled({ 'ephemera.run-id': run.jobEnv.GITHUB_RUN_ID ?? '' })).toEqual(
      [],
    )
    const post = await run.post()
    expect(post.exitCode).toBe(0)
    expect(post.stdout).toContain('No emulator container to clean up.')
  })

  it('fails after wait-timeout when the emulator never gets ready, saying what it last saw', async () => {
    const inputs = await liteInputs({ image: NEVER_READY, 'wait-timeout': '2' })
    const run = await runAction({ action: 'setup', inputs })
    expect(run.exitCode).toBe(1)
    const message = errors(run)
    expect(message).toMatch(
      /lite was not ready after 2 s \(input 'wait-timeout'\); last seen: \/_localstack\/health: ECONNREFUSED/,
    )
    expect(message).toContain('still warming up')
    expect(await containersLabelled({ 'ephemera.run-id': run.jobEnv.GITHUB_RUN_ID ?? '' })).toEqual(
      [],
    )
    expect((await run.post()).exitCode).toBe(0)
  })

  it.each([
    [{ engine: 'localstock' }, /Input 'engine' got 'localstock'/],
    [{ port: 'http' }, /Input 'port' expects whole port number/],
    [{ configuration: 'DEBUG' }, /Input 'configuration' has an entry 'DEBUG'/],
    [{ 'wait-timeout': '-5' }, /Input 'wait-timeout' expects whole seconds/],
    [{ volumes: 'does/not/exist' }, /Input 'volumes' names 'does\/not\/exist'/],
    [{ engine: 'localstack', image: '' }, /localstack needs an auth token: set input 'auth-token'/],
    [
      { pull: 'never', image: 'ephemera-test-absent:0' },
      /not on the runner and input 'pull' is 'never'/,
    ],
  ])('rejects %j, naming the input, and starts nothing', async (bad, message) => {
    const run = await runAction({
      action: 'setup',
      inputs: await liteInputs(bad),
      env: { LOCALSTACK_AUTH_TOKEN: '' },
    })
    expect(run.exitCode).toBe(1)
    expect(errors(run)).toMatch(message)
    expect(await containersLabelled({ 'ephemera.run-id': run.jobEnv.GITHUB_RUN_ID ?? '' })).toEqual(
      [],
    )
    expect((await run.post()).exitCode).toBe(0)
  })

  it('passes the auth token to the emulator and never prints it', async () => {
    const token = 'ls-auth-3f9c2a7be1d04c55'
    // The lite image speaks LocalStack's readiness contract, so it stands in for LocalStack here.
    const inputs = await liteInputs({
      engine: 'localstack',
      image: LITE_IMAGE,
      'docker-socket': 'false',
      'auth-token': token,
    })
    const run = await runAction({ action: 'setup', inputs, env: { RUNNER_DEBUG: '1' } })
    expect(run.exitCode, run.stdout).toBe(0)
    const info = await docker.getContainer(run.outputs['container-id'] ?? '').inspect()
    expect(info.Config.Env).toContain(`LOCALSTACK_AUTH_TOKEN=${token}`)
    const post = await run.post()
    expect(run.stdout).toContain(`::add-mask::${token}`)
    expect(findLeaks(run, [token])).toEqual([])
    expect(findLeaks(post, [token])).toEqual([])
  })

  it('says so in post when the state export fails, and still removes the container', async () => {
    // The lite image stands in for LocalStack but has no state export: the request gets an error.
    const inputs = await liteInputs({
      engine: 'localstack',
      image: LITE_IMAGE,
      'docker-socket': 'false',
      'auth-token': 'ls-tok-9',
      'save-state': 'state.zip',
    })
    const run = await runAction({ action: 'setup', inputs })
    expect(run.exitCode, run.stdout).toBe(0)
    const post = await run.post()
    expect(post.exitCode).toBe(0)
    const warnings = post.commands.filter((c) => c.command === 'warning').map((c) => c.message)
    expect(warnings).toEqual([
      expect.stringMatching(
        /^Cleanup: saving the state to .*state\.zip failed: .*\/_localstack\/pods\/state answered 4\d\d/,
      ),
    ])
    await expect(
      docker.getContainer(run.outputs['container-id'] ?? '').inspect(),
    ).rejects.toMatchObject({ statusCode: 404 })
  })

  it('reaches the engine through DOCKER_HOST=tcp://', async () => {
    const proxy = await tcpToUnixProxy('/var/run/docker.sock')
    try {
      const env = { DOCKER_HOST: `tcp://127.0.0.1:${proxy.port}` }
      const run = await runAction({ action: 'setup', inputs: await liteInputs(), env })
      expect(run.exitCode, run.stdout).toBe(0)
      const post = await run.post()
      expect(post.exitCode).toBe(0)
      await expect(
        docker.getContainer(run.outputs['container-id'] ?? '').inspect(),
      ).rejects.toMatchObject({ statusCode: 404 })
    } finally {
      await proxy.close()
    }
  })

  it('builds the lite image on the runner when it is missing, with no registry', async () => {
    await removeImage(LITE_IMAGE)
    try {
      const run = await runAction({ action: 'setup', inputs: await liteInputs() })
      expect(run.exitCode, run.stdout).toBe(0)
      expect(run.stdout).toMatch(/Built ephemera-lite:latest \([\d.]+ MB\) in \d+ ms/)
      expect((await run.post()).exitCode).toBe(0)
    } finally {
      if (!(await liteImageExists(docker, LITE_IMAGE))) {
        await buildLiteImage(docker, { bundlePath: join(ROOT, 'dist/emulator.cjs') })
      }
    }
  })

  it("prints the emulator's logs in post when a later step of the job failed", async () => {
    // GitHub's jobs API, answering for this runner's job with one failed step.
    const api = createServer((request, response) => {
      const ok =
        request.headers.authorization === 'Bearer ghs_jobtoken' &&
        /\/actions\/runs\/\d+\/attempts\/1\/jobs/.test(request.url ?? '')
      response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' })
      response.end(
        JSON.stringify(
          ok
            ? {
                total_count: 1,
                jobs: [
                  {
                    id: 1,
                    status: 'in_progress',
                    runner_name: 'loopback-runner',
                    steps: [
                      { name: 'Set up job', status: 'completed', conclusion: 'success', number: 1 },
                      {
                        name: 'Integration tests',
                        status: 'completed',
                        conclusion: 'failure',
                        number: 2,
                      },
                    ],
                  },
                ],
              }
            : { message: 'Bad credentials' },
        ),
      )
    })
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = api.address() as AddressInfo
      const run = await runAction({
        action: 'setup',
        inputs: await liteInputs(),
        token: 'ghs_jobtoken',
        env: { GITHUB_API_URL: `http://127.0.0.1:${port}` },
      })
      expect(run.exitCode, run.stdout).toBe(0)
      const post = await run.post()
      expect(post.stdout).toContain('Failed step(s) in this job: Integration tests.')
      expect(post.stdout).toMatch(/::group::lite logs/)
      expect(post.stdout).toContain('Ready.')
      expect(findLeaks(post, ['ghs_jobtoken'])).toEqual([])
    } finally {
      await new Promise<void>((resolve) => api.close(() => resolve()))
    }
  })

  it('with skip-startup exports the endpoint and starts nothing', async () => {
    const run = await runAction({
      action: 'setup',
      inputs: await liteInputs({ 'skip-startup': 'true', port: '4599' }),
    })
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toMatchObject({
      'endpoint-url': 'http://127.0.0.1:4599',
      'container-id': '',
    })
    expect(run.env.AWS_ENDPOINT_URL).toBe('http://127.0.0.1:4599')
    expect(await containersLabelled({ 'ephemera.run-id': run.jobEnv.GITHUB_RUN_ID ?? '' })).toEqual(
      [],
    )
  })
})
