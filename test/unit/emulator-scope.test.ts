import { describe, expect, test } from 'vitest'
import {
  credentialOfAuthorization,
  identifyService,
  parseCredentialScope,
  serviceOfTarget,
} from '../../emulator/src/scope.js'

const sigv4 = (scope: string) =>
  `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=host;x-amz-date, Signature=0123abcd`

describe('parseCredentialScope', () => {
  test.each([
    [
      'test/20250101/us-east-1/s3/aws4_request',
      { accessKeyId: 'test', date: '20250101', region: 'us-east-1', service: 's3' },
    ],
    [
      'AKIDEXAMPLE/20240229/eu-west-2/dynamodb/aws4_request',
      { accessKeyId: 'AKIDEXAMPLE', date: '20240229', region: 'eu-west-2', service: 'dynamodb' },
    ],
    [
      ' test/20250101/us-east-1/sqs/aws4_request ',
      { accessKeyId: 'test', date: '20250101', region: 'us-east-1', service: 'sqs' },
    ],
  ])('%s', (credential, scope) => {
    expect(parseCredentialScope(credential)).toEqual(scope)
  })

  test.each([
    ['test/20250101/us-east-1/s3'],
    ['test/20250101/us-east-1/s3/aws4_request/extra'],
    ['test/20250101/us-east-1/s3/aws5_request'],
    ['test/2025-01-01/us-east-1/s3/aws4_request'],
    ['/20250101/us-east-1/s3/aws4_request'],
    ['test/20250101//s3/aws4_request'],
    ['test/20250101/us-east-1//aws4_request'],
    [''],
  ])('rejects %j', (credential) => {
    expect(parseCredentialScope(credential)).toBeUndefined()
  })
})

describe('credentialOfAuthorization', () => {
  test.each([
    [sigv4('test/20250101/us-east-1/s3/aws4_request'), 'test/20250101/us-east-1/s3/aws4_request'],
    [
      'AWS4-HMAC-SHA256 SignedHeaders=host, Credential=k/20250101/r/sqs/aws4_request, Signature=x',
      'k/20250101/r/sqs/aws4_request',
    ],
    [
      'aws4-hmac-sha256 Credential=k/20250101/r/s3/aws4_request,SignedHeaders=host,Signature=x',
      'k/20250101/r/s3/aws4_request',
    ],
    ['AWS test:c2lnbmF0dXJl', undefined],
    ['Bearer token', undefined],
    ['', undefined],
  ])('%s', (header, credential) => {
    expect(credentialOfAuthorization(header)).toBe(credential)
  })
})

describe('serviceOfTarget', () => {
  test.each([
    ['DynamoDB_20120810.PutItem', 'dynamodb'],
    ['DynamoDBStreams_20120810.GetRecords', 'dynamodbstreams'],
    ['AmazonSQS.SendMessage', 'sqs'],
    ['AWSEvents.PutEvents', 'events'],
    ['SomethingNew_20300101.Op', 'somethingnew_20300101'],
  ])('%s -> %s', (target, service) => {
    expect(serviceOfTarget(target)).toBe(service)
  })
})

describe('identifyService', () => {
  test.each([
    [
      'SigV4 header for s3',
      { authorization: sigv4('test/20250101/us-east-1/s3/aws4_request') },
      '',
      { service: 's3', accessKeyId: 'test', signed: true },
    ],
    [
      'SigV4 header for dynamodb',
      {
        authorization: sigv4('k/20250101/us-east-1/dynamodb/aws4_request'),
        'x-amz-target': 'DynamoDB_20120810.GetItem',
      },
      '',
      { service: 'dynamodb', accessKeyId: 'k', signed: true },
    ],
    [
      'SigV4 header wins over the target',
      {
        authorization: sigv4('k/20250101/us-east-1/sqs/aws4_request'),
        'x-amz-target': 'DynamoDB_20120810.GetItem',
      },
      '',
      { service: 'sqs', accessKeyId: 'k', signed: true },
    ],
    [
      'presigned URL',
      {},
      'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=k%2F20250101%2Fus-east-1%2Fs3%2Faws4_request',
      { service: 's3', accessKeyId: 'k', signed: true },
    ],
    [
      'presigned URL for lambda',
      {},
      'X-Amz-Credential=k%2F20250101%2Fus-east-1%2Flambda%2Faws4_request',
      { service: 'lambda', accessKeyId: 'k', signed: true },
    ],
    [
      'SigV2 header',
      { authorization: 'AWS S3RVER:c2ln' },
      '',
      { service: 's3', accessKeyId: 'S3RVER', signed: true },
    ],
    [
      'SigV2 presigned URL',
      {},
      'AWSAccessKeyId=k&Signature=x&Expires=1',
      { service: 's3', accessKeyId: 'k', signed: true },
    ],
    [
      'unsigned target',
      { 'x-amz-target': 'DynamoDB_20120810.ListTables' },
      '',
      { service: 'dynamodb', signed: false },
    ],
    [
      'unsigned browser GET',
      { host: '127.0.0.1:4566', accept: 'text/html' },
      '',
      { service: 's3', signed: false },
    ],
    [
      'malformed scope',
      { authorization: sigv4('k/20250101/s3') },
      '',
      { service: 's3', signed: false },
    ],
  ])('%s', (_name, headers, query, origin) => {
    expect(identifyService(headers, new URLSearchParams(query))).toEqual(origin)
  })
})
