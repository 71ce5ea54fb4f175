/** Bucket and key an S3 request addresses; both undefined for the service root. */
export interface S3Target {
  bucket?: string
  key?: string
}

/** What naming an S3 call needs to know about the request. */
export interface S3Call extends S3Target {
  method: string
  query: URLSearchParams
  copySource?: boolean
}

// Virtual-host style, as LocalStack's default DNS name spells it:
// <bucket>.s3.localhost.localstack.cloud. Any other host means path style.
export const S3_VHOST_SUFFIX = 'localhost.localstack.cloud'
const vhostPattern = /^(.+)\.s3(?:-website)?(?:[-.][^.]+)?\.localhost\.localstack\.cloud$/

// Bucket subresources whose operation is the verb plus this noun (GetBucketCors, ...).
const bucketNouns: Record<string, string> = {
  acl: 'BucketAcl',
  cors: 'BucketCors',
  website: 'BucketWebsite',
  policy: 'BucketPolicy',
  tagging: 'BucketTagging',
  versioning: 'BucketVersioning',
  encryption: 'BucketEncryption',
  logging: 'BucketLogging',
  replication: 'BucketReplication',
  notification: 'BucketNotificationConfiguration',
  accelerate: 'BucketAccelerateConfiguration',
  requestPayment: 'BucketRequestPayment',
  ownershipControls: 'BucketOwnershipControls',
  publicAccessBlock: 'PublicAccessBlock',
  'object-lock': 'ObjectLockConfiguration',
  analytics: 'BucketAnalyticsConfiguration',
  metrics: 'BucketMetricsConfiguration',
  inventory: 'BucketInventoryConfiguration',
  'intelligent-tiering': 'BucketIntelligentTieringConfiguration',
}

const objectNouns: Record<string, string> = {
  acl: 'ObjectAcl',
  tagging: 'ObjectTagging',
  retention: 'ObjectRetention',
  'legal-hold': 'ObjectLegalHold',
}

/**
 * Splits a request into bucket and key, from the host for virtual-host style and from the path
 * otherwise. `/bucket/` has the key '' (a prefix), `/bucket` none.
 */
export function splitS3Path(pathname: string, host = ''): S3Target {
  const hostname = host.replace(/:\d+$/, '').toLowerCase()
  const vhostBucket = vhostPattern.exec(hostname)?.[1]
  const path = vhostBucket ? `/${vhostBucket}${pathname}` : pathname
  const slash = path.indexOf('/', 1)
  const bucket = decodeURIComponent(slash === -1 ? path.slice(1) : path.slice(1, slash))
  if (bucket === '') return {}
  if (slash === -1) return { bucket }
  return { bucket, key: decodeURIComponent(path.slice(slash + 1)) }
}

/** The S3 API operation a request performs, e.g. PutObject, ListObjectsV2, CreateBucket. */
export function nameS3Operation(call: S3Call): string {
  const method = call.method.toUpperCase()
  if (method === 'OPTIONS') return 'CorsPreflight'
  if (call.bucket === undefined) return method === 'GET' ? 'ListBuckets' : 'Unknown'
  if (call.key === undefined || call.key === '') return nameBucketOperation(method, call.query)
  return nameObjectOperation(method, call.query, call.copySource === true)
}

function nameBucketOperation(method: string, query: URLSearchParams): string {
  const noun = Object.keys(bucketNouns).find((name) => query.has(name))
  switch (method) {
    case 'HEAD':
      return 'HeadBucket'
    case 'GET':
      if (query.has('location')) return 'GetBucketLocation'
      if (query.has('policyStatus')) return 'GetBucketPolicyStatus'
      if (query.has('lifecycle')) return 'GetBucketLifecycleConfiguration'
      if (query.has('uploads')) return 'ListMultipartUploads'
      if (query.has('versions')) return 'ListObjectVersions'
      if (noun) return `Get${bucketNouns[noun]}`
      return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects'
    case 'PUT':
      if (query.has('lifecycle')) return 'PutBucketLifecycleConfiguration'
      return noun ? `Put${bucketNouns[noun]}` : 'CreateBucket'
    case 'DELETE':
      if (query.has('lifecycle')) return 'DeleteBucketLifecycle'
      return noun ? `Delete${bucketNouns[noun]}` : 'DeleteBucket'
    case 'POST':
      return query.has('delete') ? 'DeleteObjects' : 'PostObject'
    default:
      return 'Unknown'
  }
}

function nameObjectOperation(method: string, query: URLSearchParams, copySource: boolean): string {
  const noun = Object.keys(objectNouns).find((name) => query.has(name))
  switch (method) {
    case 'HEAD':
      return 'HeadObject'
    case 'GET':
      if (query.has('uploadId')) return 'ListParts'
      if (query.has('attributes')) return 'GetObjectAttributes'
      if (query.has('torrent')) return 'GetObjectTorrent'
      return noun ? `Get${objectNouns[noun]}` : 'GetObject'
    case 'PUT':
      if (query.has('partNumber') && query.has('uploadId')) {
        return copySource ? 'UploadPartCopy' : 'UploadPart'
      }
      if (noun) return `Put${objectNouns[noun]}`
      return copySource ? 'CopyObject' : 'PutObject'
    case 'DELETE':
      if (query.has('uploadId')) return 'AbortMultipartUpload'
      return query.has('tagging') ? 'DeleteObjectTagging' : 'DeleteObject'
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload'
      if (query.has('uploadId')) return 'CompleteMultipartUpload'
      if (query.has('restore')) return 'RestoreObject'
      if (query.has('select')) return 'SelectObjectContent'
      return 'PostObject'
    default:
      return 'Unknown'
  }
}
