import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { readFinishInputs } from '../../src/inputs/finish.js'
import { readPreviewInputs } from '../../src/inputs/preview.js'
import { stubInputs } from '../helpers/inputs.js'

const SUBNET = 'subnet-0a1b2c3d4e5f60718'

beforeEach(() => {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
})

afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllEnvs()
})

function preview(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) {
  stubInputs('preview', { engine: 'lite', provider: 'ecs', ...inputs })
  return readPreviewInputs(env)
}

describe('preview inputs for provider ecs', () => {
  test('defaults: cluster default, public IP, on-demand task definition, region from the env', () => {
    const inputs = preview({ subnets: SUBNET }, { AWS_REGION: 'eu-central-1' })
    expect(inputs.provider).toBe('ecs')
    expect(inputs.ecs).toEqual({
      region: 'eu-central-1',
      cluster: 'default',
      ecsEndpointUrl: undefined,
      ec2EndpointUrl: undefined,
      launch: {
        subnets: [SUBNET],
        securityGroups: [],
        assignPublicIp: true,
        taskDefinition: '',
        cpu: '',
        memory: '',
        executionRoleArn: '',
        taskRoleArn: '',
        containerPort: undefined,
        timerImage: '',
        logGroup: '',
      },
    })
  })

  test('every ECS input is read', () => {
    const inputs = preview(
      {
        region: 'us-east-1',
        cluster: 'previews',
        subnets: `${SUBNET}, subnet-0123456789abcdef0\nsubnet-01234567`,
        'security-groups': 'sg-0123456789abcdef0',
        'assign-public-ip': 'false',
        cpu: '512',
        memory: '4096',
        'execution-role-arn': 'arn:aws:iam::123456789012:role/exec',
        'task-role-arn': 'arn:aws:iam::123456789012:role/app',
        'container-port': '4700',
        'timer-image': 'alpine:3',
        'log-group': '/previews',
        'ecs-endpoint-url': 'http://127.0.0.1:5000',
        'ec2-endpoint-url': 'https://ec2.example.internal',
      },
      { AWS_REGION: 'eu-central-1' },
    )
    expect(inputs.ecs).toMatchObject({
      region: 'us-east-1',
      cluster: 'previews',
      ecsEndpointUrl: 'http://127.0.0.1:5000',
      ec2EndpointUrl: 'https://ec2.example.internal',
      launch: {
        subnets: [SUBNET, 'subnet-0123456789abcdef0', 'subnet-01234567'],
        securityGroups: ['sg-0123456789abcdef0'],
        assignPublicIp: false,
        cpu: '512',
        memory: '4096',
        containerPort: 4700,
        timerImage: 'alpine:3',
        logGroup: '/previews',
      },
    })
  })

  test('provider docker reads no ECS input', () => {
    stubInputs('preview', { engine: 'lite' })
    expect(readPreviewInputs({}).ecs).toBeUndefined()
  })

  test.each([
    [{ provider: 'k8s' }, "Input 'provider' got 'k8s'; accepted values are docker, ecs."],
    [{ subnets: '' }, "Input 'subnets' is empty; provider ecs needs at least one subnet ID"],
    [
      { subnets: 'subnet-xyz, sub-1' },
      "Input 'subnets' has 'subnet-xyz', 'sub-1', which are not IDs",
    ],
    [{ 'security-groups': 'default' }, "Input 'security-groups' has 'default', which is not an ID"],
    [{ region: 'Europe' }, "Input 'region' got 'Europe'; expected a region such as us-east-1."],
    [{ 'assign-public-ip': 'yes' }, "Input 'assign-public-ip' got 'yes'"],
    [{ 'container-port': '70000' }, "Input 'container-port' expects whole port number from 1"],
    [{ cpu: '300' }, "Input 'cpu' got '300'; Fargate takes CPU units 256, 512"],
    [{ cpu: '256', memory: '4096' }, "Inputs 'cpu' 256 and 'memory' '4096' are no Fargate size"],
    [{ memory: '1024' }, "Inputs 'cpu' 1024 and 'memory' '1024' are no Fargate size"],
    [
      { 'execution-role-arn': 'exec' },
      "Input 'execution-role-arn' got 'exec'; expected an IAM role ARN",
    ],
    [{ 'log-group': '/previews' }, "Input 'log-group' needs 'execution-role-arn'"],
    [
      { 'task-definition': 'mine', 'timer-image': 'alpine', 'log-group': 'g' },
      "Input 'task-definition' cannot be combined with 'timer-image', 'log-group'",
    ],
    [{ 'ecs-endpoint-url': 'localhost:4566' }, "Input 'ecs-endpoint-url' got 'localhost:4566'"],
    [{ 'ec2-endpoint-url': 'ftp://x' }, "Input 'ec2-endpoint-url' got 'ftp://x'"],
  ])('%j fails naming the input', (inputs, message) => {
    expect(() => preview({ subnets: SUBNET, ...inputs }, { AWS_REGION: 'us-east-1' })).toThrow(
      message,
    )
  })

  test('no region anywhere fails, saying where a region comes from', () => {
    expect(() => preview({ subnets: SUBNET })).toThrow(
      "Input 'region' is empty and neither AWS_REGION nor AWS_DEFAULT_REGION is set",
    )
    expect(preview({ subnets: SUBNET }, { AWS_DEFAULT_REGION: 'ap-south-1' }).ecs?.region).toBe(
      'ap-south-1',
    )
  })

  test('a given task definition may still set the task size', () => {
    const inputs = preview(
      { subnets: SUBNET, 'task-definition': 'mine:3', cpu: '4096', memory: '8192' },
      { AWS_REGION: 'us-east-1' },
    )
    expect(inputs.ecs?.launch).toMatchObject({
      taskDefinition: 'mine:3',
      cpu: '4096',
      memory: '8192',
    })
  })
})

describe('finish inputs for provider ecs', () => {
  test('reads the cluster, region and endpoints only', () => {
    stubInputs('finish', {
      provider: 'ecs',
      mode: 'sweep',
      cluster: 'previews',
      'ecs-endpoint-url': 'http://127.0.0.1:5000',
    })
    const inputs = readFinishInputs({ name: 'schedule', payload: {} }, { AWS_REGION: 'us-west-2' })
    expect(inputs.provider).toBe('ecs')
    expect(inputs.ecs).toEqual({
      region: 'us-west-2',
      cluster: 'previews',
      ecsEndpointUrl: 'http://127.0.0.1:5000',
      ec2EndpointUrl: undefined,
    })
  })
})
