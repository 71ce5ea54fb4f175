import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { readSetupInputs } from '../../src/inputs/setup.js'
import { stubInputs } from '../helpers/inputs.js'
import { scratchDir } from '../helpers/run-action.js'

let stdout: string[] = []

beforeEach(() => {
  stdout = []
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout.push(String(chunk))
    return true
  })
  vi.stubEnv('LOCALSTACK_AUTH_TOKEN', '')
})

afterEach(() => {
  vi.unstubAllEnvs()
  vi.restoreAllMocks()
})

describe('readSetupInputs', () => {
  it('reads the action.yml defaults for a token-free engine', () => {
    stubInputs('setup', { engine: 'lite' })
    const inputs = readSetupInputs({})
    expect(inputs).toMatchObject({
      image: 'ephemera-lite:latest',
      customImage: false,
      port: 4566,
      network: 'bridge',
      dockerSocket: false,
      pull: 'missing',
      wait: true,
      waitTimeoutSeconds: 120,
      logs: 'on-failure',
      skipStartup: false,
      configuration: {},
      volumes: [],
    })
    expect(inputs.engine.name).toBe('lite')
  })

  it('turns the docker socket on by default for localstack only', () => {
    stubInputs('setup', { engine: 'localstack', 'auth-token': 'ls-token-1' })
    expect(readSetupInputs({}).dockerSocket).toBe(true)
    stubInputs('setup', { engine: 'moto' })
    expect(readSetupInputs({}).dockerSocket).toBe(false)
  })

  it('takes the LocalStack token from the environment and masks it at once', () => {
    stubInputs('setup', { engine: 'localstack' })
    const inputs = readSetupInputs({ LOCALSTACK_AUTH_TOKEN: 'ls-secret-9' })
    expect(inputs.authToken).toBe('ls-secret-9')
    expect(stdout.join('')).toContain('::add-mask::ls-secret-9')
  })

  it('fails before starting anything when localstack has no token', () => {
    stubInputs('setup', { engine: 'localstack' })
    expect(() => readSetupInputs({})).toThrow(/needs an auth token: set input 'auth-token'/)
  })

  it('only warns about a missing token for a custom localstack image', () => {
    stubInputs('setup', { engine: 'localstack', image: 'localstack/localstack:3.8' })
    expect(readSetupInputs({}).authToken).toBe('')
    expect(stdout.join('')).toMatch(/::warning::localstack needs an auth token/)
  })

  it('parses configuration separated by newlines, spaces and commas', () => {
    stubInputs('setup', {
      engine: 'lite',
      configuration: 'DEBUG=1, SERVICES=s3,dynamodb\nEMPTY= A_B=x=y,PERSISTENCE=0',
    })
    expect(readSetupInputs({}).configuration).toEqual({
      DEBUG: '1',
      SERVICES: 's3,dynamodb',
      EMPTY: '',
      A_B: 'x=y',
      PERSISTENCE: '0',
    })
  })

  it('resolves save-state against the workspace for localstack', () => {
    stubInputs('setup', {
      engine: 'localstack',
      'auth-token': 't0k3n',
      'save-state': 'out/state.zip',
    })
    expect(readSetupInputs({ GITHUB_WORKSPACE: '/srv/workspace' }).saveState).toBe(
      '/srv/workspace/out/state.zip',
    )
  })

  it('resolves relative volumes against the workspace', () => {
    const workspace = scratchDir('volumes')
    mkdirSync(join(workspace, 'lambdas'))
    stubInputs('setup', { engine: 'lite', volumes: 'lambdas:/opt/code:ro\n' })
    expect(readSetupInputs({ GITHUB_WORKSPACE: workspace }).volumes).toEqual([
      { hostPath: join(workspace, 'lambdas'), containerPath: '/opt/code', readOnly: true },
    ])
  })
})

describe('bad inputs name the input and the value', () => {
  it.each([
    [
      'engine',
      'localstock',
      /Input 'engine' got 'localstock'; accepted values are localstack, floci, ministack, moto, lite/,
    ],
    ['port', '70000', /Input 'port' expects whole port number from 1 to 65535, got '70000'/],
    ['port', '45x', /Input 'port' .* got '45x'/],
    ['network', 'overlay', /Input 'network' got 'overlay'; accepted values are bridge, host/],
    ['pull', 'sometimes', /Input 'pull' got 'sometimes'/],
    ['wait', 'yes', /Input 'wait' got 'yes'; accepted values are true and false/],
    ['wait-timeout', '0', /Input 'wait-timeout' expects whole seconds from 1 to 3600, got '0'/],
    ['wait-timeout', '', /Input 'wait-timeout' is empty/],
    [
      'logs',
      'sometimes',
      /Input 'logs' got 'sometimes'; accepted values are on-failure, always, never/,
    ],
    ['docker-socket', 'maybe', /Input 'docker-socket' got 'maybe'/],
    ['configuration', 'DEBUG', /Input 'configuration' has an entry 'DEBUG' that is not KEY=VALUE/],
    ['configuration', 'OK=1 1BAD=2', /entry '1BAD=2'/],
    [
      'volumes',
      '/definitely/not/here',
      /Input 'volumes' names '\/definitely\/not\/here', which does not exist/,
    ],
    ['volumes', '/tmp:relative', /container path 'relative'/],
    ['volumes', '/tmp:/x:rx', /expected HOST\[:CONTAINER\[:ro\|rw\]\]/],
    ['skip-startup', 'nope', /Input 'skip-startup' got 'nope'/],
    [
      'save-state',
      'state.zip',
      /Input 'save-state' is set, but lite has no state export; it works with localstack/,
    ],
  ])('%s = %j', (name, value, message) => {
    stubInputs('setup', { engine: 'lite', [name]: value })
    expect(() => readSetupInputs({})).toThrow(message)
  })

  it('refuses a port the engine cannot listen on with host networking', () => {
    stubInputs('setup', { engine: 'floci', network: 'host', port: '4600' })
    expect(() => readSetupInputs({})).toThrow(/floci cannot be told to listen on another port/)
  })
})
