import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import S3rver from 's3rver'
import AWSAccount from 's3rver/lib/models/account.js'
import { decodeAwsChunkedRequest, isAwsChunked } from './aws-chunked.js'
import { nameS3Operation, S3_VHOST_SUFFIX, type S3Target, splitS3Path } from './s3-operation.js'
import type { RequestOrigin } from './scope.js'

/** S3 served in-process by s3rver, plus what a browser needs to view a static site. */
export interface S3Backend {
  /** Hands the request to s3rver and returns the operation name for the log. */
  dispatch(req: IncomingMessage, res: ServerResponse, origin: RequestOrigin): Promise<string>
  close(): void
}

// Objects uploaded without a Content-Type are stored as binary/octet-stream, which a browser
// downloads instead of rendering; static sites are often uploaded that way.
const genericTypes = new Set(['binary/octet-stream', 'application/octet-stream'])
const typesByExtension: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.pdf': 'application/pdf',
}

/**
 * Starts s3rver on a directory: DATA_DIR/s3 when given (kept across restarts), else a fresh
 * temporary directory that close() removes.
 */
export function createS3Backend(dataDir?: string): S3Backend {
  const directory = dataDir ? join(dataDir, 's3') : mkdtempSync(join(tmpdir(), 'ephemera-lite-s3-'))
  mkdirSync(directory, { recursive: true })

  // SigV4 signatures are not checked by s3rver; SigV2 ones would fail for any key but its own,
  // and clients of an emulator sign with whatever dummy key they have.
  const s3rver = new S3rver({
    directory,
    silent: true,
    serviceEndpoint: S3_VHOST_SUFFIX,
    vhostBuckets: false,
    allowMismatchedSignatures: true,
  })
  const handle = s3rver.callback()

  return {
    async dispatch(req, res, origin) {
      const url = new URL(req.url ?? '/', 'http://gateway')
      const accessKeyId = origin.accessKeyId
      if (accessKeyId && !AWSAccount.registry.has(accessKeyId)) {
        AWSAccount.DUMMY_ACCOUNT.createKeyPair(accessKeyId, accessKeyId)
      }

      let target = splitS3Path(url.pathname, req.headers.host)
      const browsing = !origin.signed && (req.method === 'GET' || req.method === 'HEAD')
      if (browsing && url.search === '') {
        const site = await resolveSitePath(s3rver, target, url.pathname)
        if (site.redirect) return redirect(res, site.redirect)
        if (site.rewrite) {
          req.url = site.rewrite
          target = splitS3Path(site.rewrite, req.headers.host)
        }
      }
      if (browsing && target.key) guessContentType(res, target.key)

      const operation = nameS3Operation({
        ...target,
        method: req.method ?? 'GET',
        query: url.searchParams,
        copySource: req.headers['x-amz-copy-source'] !== undefined,
      })
      handle(isAwsChunked(req.headers) ? decodeAwsChunkedRequest(req) : req, res)
      return operation
    },
    close() {
      if (!dataDir) rmSync(directory, { recursive: true, force: true })
    },
  }
}

/**
 * Index documents for unsigned GETs, as S3 website hosting does: `/bucket/dir/` serves
 * `dir/index.html`, and `/bucket/dir` redirects to `/bucket/dir/` when only the index exists.
 * Buckets with a website configuration are left to s3rver, which applies it itself.
 */
async function resolveSitePath(
  s3rver: S3rver,
  target: S3Target,
  pathname: string,
): Promise<{ rewrite?: string; redirect?: string }> {
  const { bucket, key } = target
  if (bucket === undefined) return {}
  if (await s3rver.store.getSubresource(bucket, undefined, 'website')) return {}

  if (key === undefined || (key !== '' && !key.endsWith('/'))) {
    const prefix = key === undefined ? '' : `${key}/`
    if (key !== undefined && (await s3rver.store.existsObject(bucket, key))) return {}
    const hasIndex = await s3rver.store.existsObject(bucket, `${prefix}index.html`)
    return hasIndex ? { redirect: `${pathname}/` } : {}
  }
  const hasIndex = await s3rver.store.existsObject(bucket, `${key}index.html`)
  return hasIndex ? { rewrite: `${pathname}index.html` } : {}
}

function redirect(res: ServerResponse, location: string): string {
  res.statusCode = 302
  res.setHeader('Location', location)
  res.end()
  return 'WebsiteRedirect'
}

/** Replaces a generic stored Content-Type with one guessed from the key's extension. */
function guessContentType(res: ServerResponse, key: string): void {
  const guessed = typesByExtension[extname(key).toLowerCase()]
  if (!guessed) return

  // Headers are final only when they are written, after s3rver has set them.
  const writeHead = res.writeHead
  res.writeHead = function writeHeadWithType(this: ServerResponse, ...args: unknown[]) {
    const current = String(res.getHeader('content-type') ?? '')
    if (genericTypes.has(current.split(';')[0]?.trim() ?? ''))
      res.setHeader('Content-Type', guessed)
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args)
  } as typeof res.writeHead
}
