import { describe, expect, test } from 'vitest'
import { nameS3Operation, splitS3Path } from '../../emulator/src/s3-operation.js'

describe('splitS3Path', () => {
  test.each([
    ['/', '127.0.0.1:4566', {}],
    ['/site', '127.0.0.1:4566', { bucket: 'site' }],
    ['/site/', '127.0.0.1:4566', { bucket: 'site', key: '' }],
    ['/site/a/b%20c.html', 'localhost:4566', { bucket: 'site', key: 'a/b c.html' }],
    ['/site/dir/', 'preview.example.test', { bucket: 'site', key: 'dir/' }],
    [
      '/index.html',
      'site.s3.localhost.localstack.cloud:4566',
      { bucket: 'site', key: 'index.html' },
    ],
    ['/', 'my.site.s3.us-east-1.localhost.localstack.cloud', { bucket: 'my.site', key: '' }],
    ['/', 's3.localhost.localstack.cloud:4566', {}],
    ['/site/k', 'localhost.localstack.cloud:4566', { bucket: 'site', key: 'k' }],
  ])('%s on %s', (path, host, target) => {
    expect(splitS3Path(path, host)).toEqual(target)
  })
})

describe('nameS3Operation', () => {
  test.each([
    ['GET', '/', '', false, 'ListBuckets'],
    ['PUT', '/b', '', false, 'CreateBucket'],
    ['PUT', '/b/', '', false, 'CreateBucket'],
    ['HEAD', '/b', '', false, 'HeadBucket'],
    ['DELETE', '/b', '', false, 'DeleteBucket'],
    ['GET', '/b', '', false, 'ListObjects'],
    ['GET', '/b', 'list-type=2&prefix=a', false, 'ListObjectsV2'],
    ['GET', '/b', 'location', false, 'GetBucketLocation'],
    ['GET', '/b', 'versions', false, 'ListObjectVersions'],
    ['GET', '/b', 'uploads', false, 'ListMultipartUploads'],
    ['GET', '/b', 'cors', false, 'GetBucketCors'],
    ['PUT', '/b', 'website', false, 'PutBucketWebsite'],
    ['DELETE', '/b', 'website', false, 'DeleteBucketWebsite'],
    ['PUT', '/b', 'policy', false, 'PutBucketPolicy'],
    ['PUT', '/b', 'lifecycle', false, 'PutBucketLifecycleConfiguration'],
    ['DELETE', '/b', 'lifecycle', false, 'DeleteBucketLifecycle'],
    ['PUT', '/b', 'publicAccessBlock', false, 'PutPublicAccessBlock'],
    ['GET', '/b', 'notification', false, 'GetBucketNotificationConfiguration'],
    ['POST', '/b', 'delete', false, 'DeleteObjects'],
    ['POST', '/b', '', false, 'PostObject'],
    ['PUT', '/b/k', '', false, 'PutObject'],
    ['PUT', '/b/k', '', true, 'CopyObject'],
    ['GET', '/b/k', '', false, 'GetObject'],
    ['GET', '/b/dir/index.html', 'versionId=1', false, 'GetObject'],
    ['HEAD', '/b/k', '', false, 'HeadObject'],
    ['DELETE', '/b/k', '', false, 'DeleteObject'],
    ['GET', '/b/k', 'tagging', false, 'GetObjectTagging'],
    ['PUT', '/b/k', 'tagging', false, 'PutObjectTagging'],
    ['DELETE', '/b/k', 'tagging', false, 'DeleteObjectTagging'],
    ['PUT', '/b/k', 'acl', false, 'PutObjectAcl'],
    ['GET', '/b/k', 'attributes', false, 'GetObjectAttributes'],
    ['POST', '/b/k', 'uploads', false, 'CreateMultipartUpload'],
    ['PUT', '/b/k', 'partNumber=1&uploadId=u', false, 'UploadPart'],
    ['PUT', '/b/k', 'partNumber=1&uploadId=u', true, 'UploadPartCopy'],
    ['GET', '/b/k', 'uploadId=u', false, 'ListParts'],
    ['POST', '/b/k', 'uploadId=u', false, 'CompleteMultipartUpload'],
    ['DELETE', '/b/k', 'uploadId=u', false, 'AbortMultipartUpload'],
    ['OPTIONS', '/b/k', '', false, 'CorsPreflight'],
    ['PATCH', '/b/k', '', false, 'Unknown'],
    ['PUT', '/', '', false, 'Unknown'],
  ])('%s %s?%s (copy source: %s) -> %s', (method, path, query, copySource, operation) => {
    const target = splitS3Path(path, '127.0.0.1:4566')
    expect(
      nameS3Operation({ ...target, method, query: new URLSearchParams(query), copySource }),
    ).toBe(operation)
  })

  test('accepts a lower-case method', () => {
    expect(
      nameS3Operation({ bucket: 'b', key: 'k', method: 'get', query: new URLSearchParams() }),
    ).toBe('GetObject')
  })
})
