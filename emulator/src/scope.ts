import type { IncomingHttpHeaders } from 'node:http'

/** The parts of a SigV4 credential scope, `AKID/DATE/REGION/SERVICE/aws4_request`. */
export interface CredentialScope {
  accessKeyId: string
  date: string
  region: string
  service: string
}

/** Which AWS service a request is meant for, and how it was signed. */
export interface RequestOrigin {
  service: string
  accessKeyId?: string
  signed: boolean
}

// JSON-protocol services name themselves in X-Amz-Target; only the prefixes we may see unsigned
// need a name, anything else is reported by its prefix.
const targetPrefixes: Record<string, string> = {
  DynamoDB_20120810: 'dynamodb',
  DynamoDB_20111205: 'dynamodb',
  DynamoDBStreams_20120810: 'dynamodbstreams',
  AmazonSQS: 'sqs',
  AWSEvents: 'events',
  AWSStepFunctions: 'states',
  Kinesis_20131202: 'kinesis',
  secretsmanager: 'secretsmanager',
  AmazonSSM: 'ssm',
  TrentService: 'kms',
  Logs_20140328: 'logs',
  AmazonEC2ContainerServiceV20141113: 'ecs',
}

/** Parses `AKID/DATE/REGION/SERVICE/aws4_request`; undefined when it has another shape. */
export function parseCredentialScope(credential: string): CredentialScope | undefined {
  const parts = credential.trim().split('/')
  if (parts.length !== 5 || parts[4] !== 'aws4_request') return undefined
  const [accessKeyId = '', date = '', region = '', service = ''] = parts
  if (accessKeyId === '' || !/^\d{8}$/.test(date) || region === '' || service === '') {
    return undefined
  }
  return { accessKeyId, date, region, service }
}

/** The credential of a SigV4 Authorization header, or undefined for any other scheme. */
export function credentialOfAuthorization(header: string): string | undefined {
  const match = /^AWS4-HMAC-SHA256\s.*?\bCredential=([^,\s]+)/i.exec(header.trim())
  return match?.[1]
}

/** The service an X-Amz-Target header addresses, e.g. `DynamoDB_20120810.PutItem` -> dynamodb. */
export function serviceOfTarget(target: string): string {
  const prefix = target.split('.')[0] ?? ''
  return targetPrefixes[prefix] ?? prefix.toLowerCase()
}

/**
 * Finds the service a request addresses: the SigV4 credential scope (header or presigned
 * query), then X-Amz-Target. SigV2 and unsigned requests are S3's, since a browser fetching a
 * previewed static site sends no signature at all.
 */
export function identifyService(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
): RequestOrigin {
  const authorization = headers.authorization ?? ''
  const credential = credentialOfAuthorization(authorization) ?? query.get('X-Amz-Credential')
  const scope = credential ? parseCredentialScope(credential) : undefined
  if (scope) return { service: scope.service, accessKeyId: scope.accessKeyId, signed: true }

  const v2 = /^AWS\s+([^:\s]+):/.exec(authorization)?.[1] ?? query.get('AWSAccessKeyId')
  if (v2) return { service: 's3', accessKeyId: v2, signed: true }

  const target = headers['x-amz-target']
  if (typeof target === 'string' && target !== '') {
    return { service: serviceOfTarget(target), signed: false }
  }
  return { service: 's3', signed: false }
}
