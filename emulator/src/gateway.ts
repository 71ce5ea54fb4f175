import type { IncomingMessage, ServerResponse } from 'node:http'
import type { DynamoDbBackend } from './dynamodb.js'
import { EMULATED_SERVICES, refuseService } from './refuse.js'
import type { S3Backend } from './s3.js'
import { identifyService } from './scope.js'

export interface GatewayOptions {
  version: string
  s3: S3Backend
  dynamodb: DynamoDbBackend
  /** Receives one line per AWS call. */
  log: (line: string) => void
}

/**
 * The single request handler behind the port: LocalStack's readiness endpoints, then each
 * AWS call routed by the service it was signed for.
 */
export function createGateway(options: GatewayOptions) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://gateway')
    if (url.pathname.startsWith('/_localstack/')) {
      serveInternal(url.pathname, res, options.version)
      return
    }

    if (req.method === 'OPTIONS' && url.pathname === '/' && req.headers.origin) {
      answerPreflight(req, res)
      return
    }

    // The operation name may be known only after the response has gone out (an async
    // dispatch resolves after a small response closes), so the line waits for both.
    const started = performance.now()
    const origin = identifyService(req.headers, url.searchParams)
    const closed = new Promise<string>((resolve) => {
      res.once('close', () => {
        const ms = Math.round(performance.now() - started)
        resolve(`${res.writableFinished ? res.statusCode : 'aborted'} ${ms}ms`)
      })
    })
    const named = dispatch(origin.service).catch((error: unknown) => {
      failRequest(res, error)
      return 'Unknown'
    })
    void Promise.all([named, closed]).then(([operation, outcome]) => {
      options.log(`${origin.service}.${operation} ${outcome}`)
    })

    async function dispatch(service: string): Promise<string> {
      if (service === 's3') return options.s3.dispatch(req, res, origin)
      allowOrigin(req, res)
      if (service === 'dynamodb') return options.dynamodb.dispatch(req, res)
      return refuseService(req, res, service)
    }
  }
}

// Browser code on a preview page may call DynamoDB (or a refused service) on the emulator,
// which is another origin. JSON services all POST to `/`, so their preflights land here; S3
// keeps s3rver's per-bucket CORS rules, as S3 does.
function answerPreflight(req: IncomingMessage, res: ServerResponse): void {
  res.statusCode = 200
  res.setHeader('Access-Control-Allow-Origin', '*')
  res.setHeader(
    'Access-Control-Allow-Methods',
    req.headers['access-control-request-method'] ?? 'POST',
  )
  const headers = req.headers['access-control-request-headers']
  if (headers) res.setHeader('Access-Control-Allow-Headers', headers)
  res.setHeader('Access-Control-Max-Age', '86400')
  res.end()
}

function allowOrigin(req: IncomingMessage, res: ServerResponse): void {
  if (!req.headers.origin) return
  res.setHeader('Access-Control-Allow-Origin', '*')
  res.setHeader('Access-Control-Expose-Headers', 'x-amzn-RequestId, x-amzn-ErrorType, x-amz-crc32')
}

function serveInternal(pathname: string, res: ServerResponse, version: string): void {
  if (pathname === '/_localstack/health') {
    const services = Object.fromEntries(EMULATED_SERVICES.map((name) => [name, 'running']))
    sendJson(res, 200, { services, edition: 'lite', version })
  } else if (pathname === '/_localstack/init/ready') {
    sendJson(res, 200, { completed: true, scripts: [] })
  } else {
    sendJson(res, 404, { error: `No such endpoint: ${pathname}` })
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status
  res.setHeader('Content-Type', 'application/json')
  res.end(JSON.stringify(body))
}

function failRequest(res: ServerResponse, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`request failed: ${message}\n`)
  if (res.headersSent) {
    res.destroy()
    return
  }
  sendJson(res, 500, { __type: 'InternalFailure', message })
}
