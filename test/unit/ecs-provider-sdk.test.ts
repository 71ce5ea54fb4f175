import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { AwsCallError } from '../../src/aws/ecs-api.js'
import { createEcsApi } from '../../src/aws/ecs-sdk.js'

// Requests never leave the process: a handler records where each would go, then fails it.
function recorder() {
  const seen: string[] = []
  return {
    seen,
    handler: {
      handle: async (request: { protocol: string; hostname: string; port?: number }) => {
        seen.push(
          `${request.protocol}//${request.hostname}${request.port ? `:${request.port}` : ''}`,
        )
        throw Object.assign(new Error('recorded, not sent'), { name: 'RecordedRequest' })
      },
    },
  }
}

let dir: string
let stdout: string[]

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecs-sdk-'))
  // Nothing from this machine may take part: no config files, no instance metadata calls.
  vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'none'))
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'none'))
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true')
  vi.stubEnv('AWS_PROFILE', '')
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAEPHEMERASDK00001')
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'sdk-secret-abcdef')
  vi.stubEnv('AWS_SESSION_TOKEN', 'sdk-session-token-123')
  stdout = []
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout.push(String(chunk))
    return true
  })
})

afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllEnvs()
  rmSync(dir, { recursive: true, force: true })
})

async function callBoth(ecsEndpoint?: string, ec2Endpoint?: string): Promise<string[]> {
  const { seen, handler } = recorder()
  const api = createEcsApi({
    region: 'eu-west-1',
    maxAttempts: 1,
    requestHandler: handler,
    ...(ecsEndpoint ? { ecsEndpoint } : {}),
    ...(ec2Endpoint ? { ec2Endpoint } : {}),
  })
  await expect(api.listTasks('default', 'ephemera')).rejects.toBeInstanceOf(AwsCallError)
  await expect(api.describeAddresses(['eni-0123456789abcdef0'])).rejects.toBeInstanceOf(
    AwsCallError,
  )
  api.close()
  return seen
}

describe('endpoints', () => {
  test('AWS_ENDPOINT_URL and the per-service variables do not redirect the clients', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:4566')
    vi.stubEnv('AWS_ENDPOINT_URL_ECS', 'http://127.0.0.1:4567')
    vi.stubEnv('AWS_ENDPOINT_URL_EC2', 'http://127.0.0.1:4568')
    expect(await callBoth()).toEqual([
      'https://ecs.eu-west-1.amazonaws.com',
      'https://ec2.eu-west-1.amazonaws.com',
    ])
  })

  test('nor does endpoint_url in the shared config file', async () => {
    const config = join(dir, 'config')
    writeFileSync(config, '[default]\nendpoint_url = http://127.0.0.1:4566\n')
    vi.stubEnv('AWS_CONFIG_FILE', config)
    expect(await callBoth()).toEqual([
      'https://ecs.eu-west-1.amazonaws.com',
      'https://ec2.eu-west-1.amazonaws.com',
    ])
  })

  test('the endpoint inputs decide, each for its own service', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:4566')
    expect(await callBoth('http://127.0.0.1:7001', 'http://127.0.0.1:7002')).toEqual([
      'http://127.0.0.1:7001',
      'http://127.0.0.1:7002',
    ])
  })
})

describe('credentials', () => {
  test('every credential is masked before the first call', async () => {
    await callBoth('http://127.0.0.1:7001', 'http://127.0.0.1:7002')
    const masks = stdout.filter((l) => l.startsWith('::add-mask::')).map((l) => l.trim())
    expect(masks).toEqual([
      '::add-mask::AKIAEPHEMERASDK00001',
      '::add-mask::sdk-secret-abcdef',
      '::add-mask::sdk-session-token-123',
    ])
  })

  test('no credentials anywhere fails once, saying how to provide them', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '')
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '')
    vi.stubEnv('AWS_SESSION_TOKEN', '')
    const { seen, handler } = recorder()
    const api = createEcsApi({
      region: 'eu-west-1',
      maxAttempts: 1,
      requestHandler: handler,
      ecsEndpoint: 'http://127.0.0.1:7001',
    })
    await expect(api.listTasks('default', 'ephemera')).rejects.toThrow(
      /^No AWS credentials were found \(.*\)\. Run aws-actions\/configure-aws-credentials before this step/,
    )
    expect(seen).toEqual([])
    api.close()
  })
})
