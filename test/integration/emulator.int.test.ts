import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb'
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import type Dockerode from 'dockerode'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { buildLiteImage, LITE_IMAGE, liteImageIsCurrent } from '../../src/container/lite-image.js'
import { demuxLogs } from '../../src/docker/logs.js'
import { containersLabelled, docker } from '../helpers/containers.js'
import { describeWithDocker } from '../helpers/docker.js'
import { freePort } from '../helpers/net.js'
import { ROOT } from '../helpers/run-action.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

const LABEL = { 'ephemera.test': '1' }
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' }
const bundlePath = join(ROOT, 'dist/emulator.cjs')

interface Started {
  container: Dockerode.Container
  endpoint: string
}

/** Creates and starts a lite container on a free loopback port and waits for `Ready.`. */
async function startLite(init: boolean): Promise<Started> {
  const port = await freePort()
  const container = await docker.createContainer({
    Image: LITE_IMAGE,
    Env: [`GATEWAY_LISTEN=127.0.0.1:${port}`],
    Labels: LABEL,
    HostConfig: { NetworkMode: 'host', Init: init },
  })
  const stream = await container.attach({ stream: true, stdout: true, stderr: true })
  const output = new PassThrough()
  docker.modem.demuxStream(stream, output, output)
  const ready = new Promise<void>((resolve, reject) => {
    let seen = ''
    output.on('data', (chunk: Buffer) => {
      seen += chunk.toString()
      if (seen.split('\n').includes('Ready.')) resolve()
    })
    stream.on('end', () => reject(new Error(`emulator exited before Ready.:\n${seen}`)))
  })
  await container.start()
  await ready
  return { container, endpoint: `http://127.0.0.1:${port}` }
}

/** Stops the container with docker stop and returns its exit code and full log. */
async function stopLite(
  container: Dockerode.Container,
): Promise<{ exitCode: number; logs: string }> {
  await container.stop({ t: 10 })
  const state = await container.inspect()
  const raw = await container.logs({ stdout: true, stderr: true, follow: false })
  await container.remove({ force: true })
  return { exitCode: state.State.ExitCode, logs: demuxLogs(raw) }
}

// A request signed for a service the emulator does not run; the signature itself is never
// checked, only the credential scope that names the service.
function signedFor(service: string, headers: Record<string, string>): Record<string, string> {
  return {
    authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
    'x-amz-date': '20250101T000000Z',
    ...headers,
  }
}

describeWithDocker('lite emulator image', () => {
  let lite: Started | undefined
  let s3: S3Client
  let dynamodb: DynamoDBClient

  beforeAll(async () => {
    if (!existsSync(bundlePath)) throw new Error(`${bundlePath} is missing; run npm run build.`)
    // The image may predate the bundle under test; rebuild it then.
    if (!(await liteImageIsCurrent(docker, bundlePath))) {
      await buildLiteImage(docker, { bundlePath })
    }
    lite = await startLite(true)
    const client = { endpoint: lite.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 }
    s3 = new S3Client({ ...client, forcePathStyle: true })
    dynamodb = new DynamoDBClient(client)
  })

  afterAll(async () => {
    s3?.destroy()
    dynamodb?.destroy()
    await lite?.container.remove({ force: true }).catch(() => undefined)
  })

  test('answers the LocalStack readiness endpoints', async () => {
    const health = await fetch(`${lite?.endpoint}/_localstack/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({
      services: { s3: 'running', dynamodb: 'running' },
      edition: 'lite',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    })
    const ready = await fetch(`${lite?.endpoint}/_localstack/init/ready`)
    expect(await ready.json()).toEqual({ completed: true, scripts: [] })
  })

  test('stores and returns an S3 object', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'site' }))
    await s3.send(
      new PutObjectCommand({
        Bucket: 'site',
        Key: 'index.html',
        Body: '<h1>preview</h1>',
        ContentType: 'text/html',
      }),
    )
    const object = await s3.send(new GetObjectCommand({ Bucket: 'site', Key: 'index.html' }))
    expect(object.ContentType).toBe('text/html')
    expect(await object.Body?.transformToString()).toBe('<h1>preview</h1>')
  })

  test('serves uploaded objects to an unsigned browser GET', async () => {
    // Uploaded without a Content-Type, as some sync tools do.
    await s3.send(new PutObjectCommand({ Bucket: 'site', Key: 'app.js', Body: 'run()' }))

    const page = await fetch(`${lite?.endpoint}/site/index.html`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html')
    expect(await page.text()).toBe('<h1>preview</h1>')

    const index = await fetch(`${lite?.endpoint}/site/`)
    expect(await index.text()).toBe('<h1>preview</h1>')

    const script = await fetch(`${lite?.endpoint}/site/app.js`)
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(await script.text()).toBe('run()')

    const missing = await fetch(`${lite?.endpoint}/site/nope.html`)
    expect(missing.status).toBe(404)
  })

  test('stores and returns a DynamoDB item', async () => {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: 'items',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    )
    await dynamodb.send(
      new PutItemCommand({ TableName: 'items', Item: { id: { S: 'a' }, n: { N: '42' } } }),
    )
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: 'items', Key: { id: { S: 'a' } } }),
    )
    expect(Item).toEqual({ id: { S: 'a' }, n: { N: '42' } })
  })

  test('refuses a service it does not emulate with an AWS-style error', async () => {
    const json = await fetch(`${lite?.endpoint}/`, {
      method: 'POST',
      headers: signedFor('sqs', {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.ListQueues',
      }),
      body: '{}',
    })
    expect(json.status).toBe(501)
    expect(await json.json()).toEqual({
      __type: 'NotImplemented',
      message: "Service 'sqs' is not available in the lite emulator; it serves s3, dynamodb",
    })

    const query = await fetch(`${lite?.endpoint}/`, {
      method: 'POST',
      headers: signedFor('sns', { 'content-type': 'application/x-www-form-urlencoded' }),
      body: 'Action=ListTopics&Version=2010-03-31',
    })
    expect(query.status).toBe(501)
    expect(await query.text()).toMatch(
      /<ErrorResponse><Error><Type>Sender<\/Type><Code>NotImplemented<\/Code><Message>Service &#39;sns&#39; is not available/,
    )
  })

  test('stops on SIGTERM with exit code 0 and has logged each call', async () => {
    if (!lite) throw new Error('the container did not start')
    const { exitCode, logs } = await stopLite(lite.container)
    lite = undefined

    // Killed after the timeout it would exit 137; with an unhandled SIGTERM, 143.
    expect(exitCode, logs).toBe(0)
    expect(logs).toContain('Received SIGTERM, stopping.')
    for (const line of [
      's3.CreateBucket 200',
      's3.PutObject 200',
      's3.GetObject 200',
      'dynamodb.CreateTable 200',
      'dynamodb.PutItem 200',
      'dynamodb.GetItem 200',
      'sqs.ListQueues 501',
      'sns.ListTopics 501',
    ]) {
      expect(logs).toContain(line)
    }
    expect(await containersLabelled(LABEL)).toEqual([])
  })

  test('handles SIGTERM itself when it runs as PID 1', async () => {
    const { container } = await startLite(false)
    const { exitCode, logs } = await stopLite(container)
    expect(exitCode, logs).toBe(0)
    expect(await containersLabelled(LABEL)).toEqual([])
  })
})
