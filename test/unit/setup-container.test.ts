import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ensureImage, isTransientPullError } from '../../src/container/image.js'
import { buildEmulatorSpec } from '../../src/container/spec.js'
import { ENGINES } from '../../src/engines.js'
import { runSetupPost } from '../../src/setup/post.js'
import { FakeClock } from '../fakes/clock.js'
import { FakeDocker } from '../fakes/docker.js'
import { scratchDir } from '../helpers/run-action.js'

let stdout = ''
beforeEach(() => {
  stdout = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk)
    return true
  })
})
afterEach(() => vi.restoreAllMocks())

const base = {
  engine: ENGINES.localstack,
  image: 'localstack/localstack:latest',
  port: 4570,
  configuration: { DEBUG: '1' },
  authToken: 'tok-123',
  volumes: [{ hostPath: '/src/lambdas', containerPath: '/opt/code', readOnly: true }],
  dockerSocket: true,
  labels: { 'ephemera.tool': 'ephemera' },
}

describe('buildEmulatorSpec', () => {
  it('publishes the port on loopback in bridge mode and passes the token', () => {
    const { spec, warnings } = buildEmulatorSpec({ ...base, network: 'bridge' }, 'emu', {
      url: 'unix:///var/run/docker.sock',
      socketPath: '/var/run/docker.sock',
    })
    expect(warnings).toEqual([])
    expect(spec).toMatchObject({
      network: 'bridge',
      ports: [{ container: 4566, host: 4570 }],
      env: { DEBUG: '1', LOCALSTACK_AUTH_TOKEN: 'tok-123' },
      binds: ['/src/lambdas:/opt/code:ro', '/var/run/docker.sock:/var/run/docker.sock'],
    })
    expect(spec.env.GATEWAY_LISTEN).toBeUndefined()
  })

  it('tells the emulator its port in host mode, where nothing is mapped', () => {
    const { spec } = buildEmulatorSpec(
      { ...base, engine: ENGINES.moto, network: 'host', authToken: '' },
      'emu',
      {
        url: 'unix:///run/docker.sock',
        socketPath: '/run/docker.sock',
      },
    )
    expect(spec.ports).toEqual([])
    expect(spec.env).toMatchObject({ MOTO_PORT: '4570' })
    expect(spec.env.LOCALSTACK_AUTH_TOKEN).toBeUndefined()
  })

  it('warns instead of mounting a socket that a tcp engine does not have', () => {
    const { spec, warnings } = buildEmulatorSpec({ ...base, network: 'bridge' }, 'emu', {
      url: 'tcp://127.0.0.1:2375',
    })
    expect(spec.binds).toEqual(['/src/lambdas:/opt/code:ro'])
    expect(warnings[0]).toMatch(/cannot be mounted.*docker-socket: false/)
  })
})

describe('ensureImage', () => {
  it('uses an image that is present without pulling', async () => {
    const docker = new FakeDocker()
    docker.images.set('img:1', { id: 'sha256:1', sizeBytes: 10 })
    await ensureImage(docker, 'img:1', { policy: 'missing' })
    expect(docker.calls).toEqual(['inspectImage img:1'])
  })

  it('pulls a missing image, reporting each finished layer', async () => {
    const docker = new FakeDocker()
    const info = await ensureImage(docker, 'img:2', { policy: 'missing' })
    expect(info.digest).toBe('img:2@sha256:feed')
    expect(stdout).toContain('layer abc123: Pull complete (0.0 MB)')
  })

  it('retries rate limits and registry errors with backoff, then succeeds', async () => {
    const docker = new FakeDocker()
    docker.pullFailures = [
      new Error('toomanyrequests: You have reached your pull rate limit'),
      new Error('received unexpected HTTP status: 503 Service Unavailable'),
    ]
    const clock = new FakeClock()
    await ensureImage(docker, 'img:3', { policy: 'always', clock })
    expect(docker.calls.filter((c) => c.startsWith('pullImage'))).toHaveLength(3)
    expect(clock.sleeps).toEqual([2000, 4000])
    expect(stdout).toMatch(/::warning::Pulling img:3 failed on attempt 1 \(toomanyrequests/)
  })

  it('does not retry an image that does not exist, and says which input to fix', async () => {
    const docker = new FakeDocker()
    docker.pullFailures = [new Error('manifest for img:4 not found: manifest unknown')]
    await expect(
      ensureImage(docker, 'img:4', { policy: 'missing', clock: new FakeClock() }),
    ).rejects.toThrow(/Image img:4 does not exist in its registry .*check input 'image'/)
    expect(docker.calls.filter((c) => c.startsWith('pullImage'))).toHaveLength(1)
  })

  it("refuses to pull with 'pull: never'", async () => {
    const docker = new FakeDocker()
    await expect(ensureImage(docker, 'img:5', { policy: 'never' })).rejects.toThrow(
      /not on the runner and input 'pull' is 'never'/,
    )
  })

  it('builds instead of pulling when a local build is offered', async () => {
    const docker = new FakeDocker()
    const build = vi.fn(async () => {
      docker.images.set('lite:1', { id: 'sha256:l', sizeBytes: 1 })
    })
    await ensureImage(docker, 'lite:1', { policy: 'missing', build })
    expect(build).toHaveBeenCalledOnce()
    expect(docker.calls.some((c) => c.startsWith('pullImage'))).toBe(false)
  })

  it.each([
    ['toomanyrequests: rate limit', true],
    // The engine's own words, as dockerode reports them (measured against a loopback registry).
    [
      '(HTTP code 500) server error - toomanyrequests: too many requests: the pull rate limit of this registry is reached ',
      true,
    ],
    [
      '(HTTP code 500) server error - received unexpected HTTP status: 503 Service Unavailable ',
      true,
    ],
    [
      '(HTTP code 404) unexpected - manifest for 127.0.0.1:5000/ephemera/lite:nope not found: manifest unknown: manifest unknown ',
      false,
    ],
    [
      '(HTTP code 404) unexpected - repository 127.0.0.1:5000/ephemera/none not found: name unknown: repository name not known to registry ',
      false,
    ],
    ['(HTTP code 500) server error - unauthorized: authentication required ', false],
    [
      '(HTTP code 500) server error - Head "http://127.0.0.1:5000/v2/ephemera/private/manifests/a": no basic auth credentials ',
      false,
    ],
    ['Get "https://registry/v2/": net/http: TLS handshake timeout', true],
    ['pull access denied for x, repository does not exist', false],
    ['unauthorized: authentication required', false],
  ])('classifies %j as transient: %s', (message, transient) => {
    expect(isTransientPullError(new Error(message))).toBe(transient)
  })
})

describe('runSetupPost', () => {
  async function started(docker: FakeDocker): Promise<string> {
    const id = await docker.createContainer({
      name: 'emu',
      image: 'img',
      env: {},
      labels: {},
      network: 'host',
      ports: [],
      binds: [],
    })
    await docker.startContainer(id)
    return id
  }

  it('removes a healthy container without printing its logs on-failure', async () => {
    const docker = new FakeDocker()
    const id = await started(docker)
    const problems = await runSetupPost(
      {
        containerId: id,
        containerName: 'emu',
        engine: 'lite',
        logs: 'on-failure',
        mainFailed: false,
      },
      docker,
    )
    expect(problems).toEqual([])
    expect(docker.containers.size).toBe(0)
    expect(docker.calls).not.toContain(`containerLogs ${id}`)
  })

  it('prints the logs of a container that crashed during the job', async () => {
    const docker = new FakeDocker()
    const id = await started(docker)
    docker.exit(id, 137, 'boom: out of disk\n')
    await runSetupPost(
      {
        containerId: id,
        containerName: 'emu',
        engine: 'lite',
        logs: 'on-failure',
        mainFailed: false,
      },
      docker,
    )
    expect(stdout).toContain('boom: out of disk')
    expect(stdout).toMatch(
      /::warning::The lite container emu had stopped before the end of the job \(exit code 137\)/,
    )
    expect(docker.containers.size).toBe(0)
  })

  it('prints the logs on-failure when another step of the job failed', async () => {
    const docker = new FakeDocker()
    const id = await started(docker)
    const jobFailed = vi.fn(async () => true)
    await runSetupPost(
      {
        containerId: id,
        containerName: 'emu',
        engine: 'lite',
        logs: 'on-failure',
        mainFailed: false,
        jobFailed,
      },
      docker,
    )
    expect(jobFailed).toHaveBeenCalledOnce()
    expect(docker.calls).toContain(`containerLogs ${id}`)
  })

  it.each([
    [200, ''],
    [500, 'answered 500'],
  ])('saves the state export before removal (export answers %i)', async (status, problem) => {
    const zip = Buffer.from('PK\u0003\u0004 state of s3 and sqs')
    const server = createServer((request, response) => {
      response.writeHead(request.url === '/_localstack/pods/state' ? status : 404)
      response.end(status === 200 ? zip : 'boom')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const docker = new FakeDocker()
      const id = await started(docker)
      const file = join(scratchDir('state'), 'nested', 'state.zip')
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const problems = await runSetupPost(
        {
          containerId: id,
          containerName: 'emu',
          engine: 'localstack',
          logs: 'never',
          mainFailed: false,
          endpoint,
          saveState: file,
        },
        docker,
      )
      if (problem) expect(problems).toEqual([expect.stringContaining(problem)])
      else expect(readFileSync(file)).toEqual(zip)
      expect(docker.containers.size).toBe(0)
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  it('names what is left and how to remove it when removal fails', async () => {
    const docker = new FakeDocker()
    const id = await started(docker)
    docker.failRemove = new Error('device or resource busy')
    const problems = await runSetupPost(
      { containerId: id, containerName: 'emu', engine: 'lite', logs: 'always', mainFailed: false },
      docker,
    )
    expect(problems).toEqual([expect.stringContaining(`Remove it with: docker rm -f ${id}`)])
    expect(stdout).toContain('Ready.')
  })
})
