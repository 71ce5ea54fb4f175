import type { IncomingMessage, ServerResponse } from 'node:http'
import type { DynamoDbBackend } from './dynamodb.js'
import { EMULATED_SERVICES, refuseService } from './refuse.js'
import type { S3Backend } from './s3.js'
import { identifyService, serviceOfTarget } from './scope.js'

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

    const started = performance.now()
    const origin = identifyService(req.headers, url.searchParams)
    let operation = operationOfUnknown(req, url)
    res.once('close', () => {
      const ms = Math.round(performance.now() - started)
      const status = res.writableFinished ? String(res.statusCode) : 'aborted'
      options.log(`${origin.service}.${operation} ${status} ${ms}ms`)
    })

    dispatch(origin.service)
      .then((name) => {
        operation = name
      })
      .catch((error: unknown) => failRequest(res, error))

    async function dispatch(service: string): Promise<string> {
      if (service === 's3') return options.s3.dispatch(req, res, origin)
      if (service === 'dynamodb') return options.dynamodb.dispatch(req, res)
      refuseService(req, res, service)
      return operation
    }
  }
}

// For a refused service the log still names what was attempted: the JSON target's operation
// or the query protocol's Action.
function operationOfUnknown(req: IncomingMessage, url: URL): string {
  const target = req.headers['x-amz-target']
  if (typeof target === 'string' && target.includes('.')) {
    return target.slice(target.indexOf('.') + 1) || serviceOfTarget(target)
  }
  return url.searchParams.get('Action') ?? 'Unknown'
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
