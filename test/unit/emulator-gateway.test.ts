import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { DynamoDBClient, GetItemCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb'
import {
  CreateBucketCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createDynamoDbBackend } from '../../emulator/src/dynamodb.js'
import { createGateway } from '../../emulator/src/gateway.js'
import { createS3Backend, type S3Backend } from '../../emulator/src/s3.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

// The gateway in-process on a loopback port, with the real s3rver and dynalite behind it.
describe('lite emulator gateway', () => {
  const lines: string[] = []
  let server: Server
  let s3Backend: S3Backend
  let endpoint: string
  let s3: S3Client
  let dynamodb: DynamoDBClient

  beforeAll(async () => {
    s3Backend = createS3Backend()
    const gateway = createGateway({
      version: '9.9.9',
      s3: s3Backend,
      dynamodb: createDynamoDbBackend(),
      log: (line) => lines.push(line),
    })
    server = createServer(gateway)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const credentials = { accessKeyId: 'anything', secretAccessKey: 'x' }
    const client = { endpoint, region: 'eu-west-1', credentials, maxAttempts: 1 }
    s3 = new S3Client({ ...client, forcePathStyle: true })
    dynamodb = new DynamoDBClient(client)

    await s3.send(new CreateBucketCommand({ Bucket: 'site' }))
    for (const [Key, Body] of [
      ['index.html', 'home'],
      ['docs/index.html', 'docs home'],
      ['docs/page.html', 'a page'],
    ]) {
      await s3.send(new PutObjectCommand({ Bucket: 'site', Key, Body, ContentType: 'text/html' }))
    }
  })

  afterAll(async () => {
    s3.destroy()
    dynamodb.destroy()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    s3Backend.close()
  })

  test('stores a streamed upload without its aws-chunked framing', async () => {
    const body = Readable.from([Buffer.from('first '), Buffer.from('second')])
    await s3.send(
      new PutObjectCommand({ Bucket: 'site', Key: 'streamed.txt', Body: body, ContentLength: 12 }),
    )
    const object = await s3.send(new GetObjectCommand({ Bucket: 'site', Key: 'streamed.txt' }))
    expect(await object.Body?.transformToString()).toBe('first second')
    expect(object.ContentLength).toBe(12)
  })

  test('raises S3 errors as typed exceptions', async () => {
    await expect(s3.send(new GetObjectCommand({ Bucket: 'site', Key: 'absent' }))).rejects.toThrow(
      NoSuchKey,
    )
  })

  test.each([
    ['/site/', 200, 'home', undefined],
    ['/site/docs/', 200, 'docs home', undefined],
    ['/site/docs/page.html', 200, 'a page', undefined],
    ['/site', 302, '', '/site/'],
    ['/site/docs', 302, '', '/site/docs/'],
    ['/site/none/', 404, undefined, undefined],
  ])('unsigned GET %s -> %i', async (path, status, body, location) => {
    const res = await fetch(`${endpoint}${path}`, { redirect: 'manual' })
    expect(res.status).toBe(status)
    expect(res.headers.get('location') ?? undefined).toBe(location)
    const text = await res.text()
    if (body !== undefined) expect(text).toBe(body)
  })

  test('a signed list of a bucket prefix is not turned into its index page', async () => {
    const res = await fetch(`${endpoint}/site/`, {
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=k/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00',
        // s3rver refuses a request dated more than 15 minutes away from its clock.
        'x-amz-date': new Date().toISOString().replace(/[-:]|\.\d+/g, ''),
        'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      },
    })
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('<ListBucketResult')
  })

  test('raises DynamoDB errors as typed exceptions', async () => {
    await expect(
      dynamodb.send(new GetItemCommand({ TableName: 'missing', Key: { id: { S: '1' } } })),
    ).rejects.toThrow(ResourceNotFoundException)
  })

  test.each([
    [
      'DynamoDB_20120810.TransactWriteItems',
      "DynamoDB operation 'TransactWriteItems' is not available in the lite emulator.",
    ],
    ['DynamoDB_20111205.GetItem', 'X-Amz-Target does not name a DynamoDB_20120810 operation.'],
  ])('answers %s with UnknownOperationException', async (target, message) => {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.0' },
      body: '{}',
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      __type: 'com.amazon.coral.service#UnknownOperationException',
      message,
    })
  })

  test('lets browser code on another origin call DynamoDB', async () => {
    const origin = 'http://127.0.0.1:3000'
    const preflight = await fetch(endpoint, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-amz-target',
      },
    })
    expect(preflight.status).toBe(200)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
    expect(preflight.headers.get('access-control-allow-headers')).toBe(
      'authorization,content-type,x-amz-target',
    )

    const call = await fetch(endpoint, {
      method: 'POST',
      headers: {
        origin,
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        'content-type': 'application/x-amz-json-1.0',
      },
      body: '{}',
    })
    expect(call.status).toBe(200)
    expect(call.headers.get('access-control-allow-origin')).toBe('*')
  })

  test('refuses a REST-XML service with an XML error', async () => {
    const res = await fetch(`${endpoint}/2013-04-01/hostedzone`, {
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=k/20250101/us-east-1/route53/aws4_request, SignedHeaders=host, Signature=00',
      },
    })
    expect(res.status).toBe(501)
    expect(await res.text()).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>NotImplemented<\/Code><Message>Service &#39;route53&#39; is not available/,
    )
  })

  test('answers the readiness endpoints and 404s other internal paths', async () => {
    const health = await fetch(`${endpoint}/_localstack/health`)
    expect(await health.json()).toEqual({
      services: { s3: 'running', dynamodb: 'running' },
      edition: 'lite',
      version: '9.9.9',
    })
    expect((await fetch(`${endpoint}/_localstack/diagnose`)).status).toBe(404)
  })

  test('logs one line per AWS call and none for readiness probes', () => {
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^s3\.CreateBucket 200 \d+ms$/),
        expect.stringMatching(/^s3\.PutObject 200 \d+ms$/),
        expect.stringMatching(/^s3\.GetObject 404 \d+ms$/),
        expect.stringMatching(/^s3\.WebsiteRedirect 302 \d+ms$/),
        expect.stringMatching(/^s3\.ListObjects 200 \d+ms$/),
        expect.stringMatching(/^dynamodb\.GetItem 400 \d+ms$/),
        expect.stringMatching(/^dynamodb\.TransactWriteItems 400 \d+ms$/),
        expect.stringMatching(/^route53\.Unknown 501 \d+ms$/),
      ]),
    )
    expect(lines.filter((line) => line.includes('_localstack'))).toEqual([])
  })
})
