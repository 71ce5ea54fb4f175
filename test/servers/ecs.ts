// A loopback server speaking ECS (AWS JSON 1.1) and EC2's DescribeNetworkInterfaces (EC2
// query) the way the AWS SDK for JavaScript v3 sends and parses them. It keeps real state and
// runs each task's containers on the local Docker engine (or in memory, for unit tests).
//
//   const server = await startEcsServer({ runner: new MemoryContainerRunner(['app:1']) })
//   server.addSubnet('subnet-0abc'); server.addSecurityGroup('sg-0abc')
//   const ecs = new ECSClient({ region: 'us-east-1', endpoint: server.url, credentials })
//   const ec2 = new EC2Client({ region: 'us-east-1', endpoint: server.url, credentials })
//
// Like ECS, a new task is PROVISIONING and its ENI attachment names only the subnet; the
// networkInterfaceId and privateIPv4Address (always 127.0.0.1) appear once it is PENDING.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import Docker from 'dockerode'
import { callEcs } from './ecs-api.js'
import { callEc2, ec2ErrorXml } from './ecs-ec2.js'
import { TaskLifecycle } from './ecs-lifecycle.js'
import { AwsError, Body, type Scope, type TaskRecord } from './ecs-model.js'
import { type ContainerRunner, DockerContainerRunner } from './ecs-runner.js'
import { EcsState } from './ecs-state.js'
import type { RunTaskFailure } from './ecs-tasks.js'

export type { ContainerRecord, TaskRecord } from './ecs-model.js'
export type { ContainerRunner } from './ecs-runner.js'
export { DockerContainerRunner, MemoryContainerRunner } from './ecs-runner.js'

const TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.'

export interface EcsServerOptions {
  /** The engine task containers run on; a default Dockerode when neither this nor runner. */
  docker?: Docker
  /** Runs the containers instead of `docker`, e.g. a MemoryContainerRunner. */
  runner?: ContainerRunner
  region?: string
  accountId?: string
  /**
   * How often task state is advanced and containers are inspected (100 ms by default). With 0,
   * tasks move only on `advance()`, for tests that need each step in their hands.
   */
  tickMs?: number
}

export interface EcsCall {
  service: 'ecs' | 'ec2'
  operation: string
  /** The JSON body (ECS) or the form fields (EC2). */
  body: unknown
  /** The HTTP status answered. */
  status: number
}

export interface Fault {
  /** An ECS operation name (RunTask), EC2 action (DescribeNetworkInterfaces), or '*'. */
  operation: string
  status: 400 | 500 | 503
  /** ThrottlingException, ServerException, AccessDeniedException, RequestLimitExceeded, ... */
  code: string
  /** How many calls in a row fail. */
  times: number
  message?: string
  /**
   * Fail after the operation took effect, like a response lost on the way back: a RunTask
   * retried with the same client token must then not start a second task.
   */
  afterEffect?: boolean
}

export interface EcsServer {
  /** http://127.0.0.1:PORT, the endpoint for both the ECS and the EC2 client. */
  url: string
  region: string
  accountId: string
  calls: EcsCall[]
  /** Makes the next `times` calls of `operation` fail with `code`. */
  inject(fault: Fault): void
  /** Makes RunTask report `times` tasks as failures (missing capacity) instead of starting them. */
  injectRunTaskFailure(failure: RunTaskFailure & { times?: number }): void
  addCluster(name: string): void
  addSubnet(id: string): void
  addSecurityGroup(id: string): void
  /** Moves every task one lifecycle step now (PROVISIONING to PENDING, ...) and waits. */
  advance(): Promise<void>
  /** Copies of every task, STOPPED ones included. */
  tasks(): TaskRecord[]
  /** Runner errors the lifecycle met (they also show as stopped tasks). */
  lifecycleErrors(): string[]
  /** Stops and removes every container it started, then closes the server. */
  close(): Promise<void>
}

/** Starts the server on 127.0.0.1 and a free port. */
export async function startEcsServer(opts: EcsServerOptions = {}): Promise<EcsServer> {
  const scope: Scope = {
    region: opts.region ?? 'us-east-1',
    accountId: opts.accountId ?? '000000000000',
  }
  const state = new EcsState(scope)
  const runner = opts.runner ?? new DockerContainerRunner(opts.docker ?? new Docker())
  const lifecycle = new TaskLifecycle(state.tasks, runner, scope, opts.tickMs ?? 100)
  const calls: EcsCall[] = []
  const faults: Fault[] = []

  const server = createServer((req, res) => {
    readBody(req)
      .then((text) => answer(req, res, text))
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error)
        sendJson(res, 500, { __type: 'ServerException', message })
      })
  })

  function answer(req: IncomingMessage, res: ServerResponse, text: string): void {
    const service = serviceOf(req, text)
    const auth = checkAuthorization(req.headers.authorization, scope.region)
    if (service === 'ec2') answerEc2(req, res, text, auth)
    else answerEcs(req, res, text, auth)
  }

  function answerEcs(
    req: IncomingMessage,
    res: ServerResponse,
    text: string,
    auth?: AwsError,
  ): void {
    const target = String(req.headers['x-amz-target'] ?? '')
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target
    let body: Body | undefined
    const respond = (status: number, payload: Record<string, unknown>) => {
      calls.push({ service: 'ecs', operation, body: body?.raw ?? text, status })
      sendJson(res, status, payload)
    }
    const fail = (error: AwsError) =>
      respond(error.status, { __type: error.code, message: error.message, ...error.fields })
    try {
      if (auth) throw auth
      if (req.method !== 'POST') throw new AwsError('UnknownOperationException', '', 404)
      if (!target.startsWith(TARGET_PREFIX)) {
        throw new AwsError('UnknownOperationException', `Unknown target '${target}'.`)
      }
      body = Body.parse(text)
      const before = takeFault(operation, false)
      if (before) throw before
      const result = callEcs(state, operation, body, Date.now())
      const after = takeFault(operation, true)
      if (after) throw after
      respond(200, result)
    } catch (error) {
      if (!(error instanceof AwsError)) throw error
      fail(error)
    }
  }

  function answerEc2(
    req: IncomingMessage,
    res: ServerResponse,
    text: string,
    auth?: AwsError,
  ): void {
    const params = new URLSearchParams(text)
    const operation = params.get('Action') ?? ''
    const respond = (status: number, xml: string) => {
      calls.push({ service: 'ec2', operation, body: Object.fromEntries(params), status })
      res.writeHead(status, {
        'content-type': 'text/xml;charset=UTF-8',
        'x-amzn-requestid': randomUUID(),
      })
      res.end(xml)
    }
    try {
      if (auth) throw new AwsError('AuthFailure', auth.message, 401)
      if (req.method !== 'POST')
        throw new AwsError('InvalidAction', 'EC2 takes POST requests here.')
      const before = takeFault(operation, false)
      if (before) throw before
      const xml = callEc2(scope, state.tasks.values(), params)
      const after = takeFault(operation, true)
      if (after) throw after
      respond(200, xml)
    } catch (error) {
      if (!(error instanceof AwsError)) throw error
      respond(error.status, ec2ErrorXml(error.code, error.message))
    }
  }

  function takeFault(operation: string, afterEffect: boolean): AwsError | undefined {
    const at = faults.findIndex(
      (f) =>
        (f.operation === operation || f.operation === '*') &&
        (f.afterEffect ?? false) === afterEffect,
    )
    const fault = faults[at]
    if (!fault) return undefined
    fault.times--
    if (fault.times <= 0) faults.splice(at, 1)
    return new AwsError(fault.code, fault.message ?? defaultFaultMessage(fault.code), fault.status)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  lifecycle.start()
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    region: scope.region,
    accountId: scope.accountId,
    calls,
    inject: (fault) => {
      if (!Number.isInteger(fault.times) || fault.times < 1) {
        throw new Error(`inject: times must be a whole number above zero, got ${fault.times}`)
      }
      faults.push({ ...fault })
    },
    injectRunTaskFailure: (failure) => state.queueRunTaskFailure(failure),
    addCluster: (name) => void state.addCluster(name),
    addSubnet: (id) => void state.subnets.add(id),
    addSecurityGroup: (id) => void state.securityGroups.add(id),
    advance: () => lifecycle.advanceAll(),
    tasks: () => structuredClone([...state.tasks.values()]),
    lifecycleErrors: () => [...lifecycle.errors],
    close: async () => {
      await lifecycle.stop()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await runner.removeAll()
    },
  }
}

/** Picks the service from the SigV4 credential scope, else from the request's shape. */
function serviceOf(req: IncomingMessage, text: string): 'ecs' | 'ec2' {
  const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? '')
  if (scope) return scope[1] === 'ec2' ? 'ec2' : 'ecs'
  if (req.headers['x-amz-target'] !== undefined) return 'ecs'
  return /(^|&)Action=/.test(text) ? 'ec2' : 'ecs'
}

/** The error AWS answers for a missing or malformed SigV4 header, or undefined when it is fine. */
function checkAuthorization(header: string | undefined, region: string): AwsError | undefined {
  if (header === undefined || header === '') {
    return new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token')
  }
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=[0-9a-f]{64}$/.exec(
      header,
    )
  if (!match) {
    return new AwsError(
      'IncompleteSignatureException',
      `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' in AWS4-HMAC-SHA256 form, got '${header.slice(0, 40)}...'.`,
    )
  }
  const [, , , scopeRegion, service] = match
  if (scopeRegion !== region) {
    return new AwsError(
      'InvalidSignatureException',
      `Credential should be scoped to a valid region, not '${scopeRegion}'. This server answers for '${region}'.`,
    )
  }
  if (service !== 'ecs' && service !== 'ec2') {
    return new AwsError(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: 'ecs' or 'ec2', not '${service}'.`,
    )
  }
  return undefined
}

function defaultFaultMessage(code: string): string {
  if (code === 'ThrottlingException' || code === 'RequestLimitExceeded') return 'Rate exceeded'
  if (code === 'ServerException') return 'Service Unavailable. Please try again later.'
  if (code === 'AccessDeniedException') {
    return 'User: arn:aws:iam::000000000000:user/test is not authorized to perform this action'
  }
  return `${code} for this call.`
}

function sendJson(res: ServerResponse, status: number, payload: Record<string, unknown>): void {
  const body = JSON.stringify(payload)
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
  })
  res.end(body)
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
