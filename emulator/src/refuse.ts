import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

export const EMULATED_SERVICES = ['s3', 'dynamodb'] as const

// Services whose SDK clients parse XML errors: the query protocol (SNS, STS, SES, ...) and the
// REST-XML ones. Everything else speaks JSON.
const restXmlServices = new Set(['route53', 'cloudfront', 's3control'])

export type ErrorProtocol = 'json' | 'query' | 'rest-xml'

/** How the SDK that sent a request expects its errors, judged from the request alone. */
export function detectErrorProtocol(
  service: string,
  contentType: string,
  hasTarget: boolean,
  query: URLSearchParams,
): ErrorProtocol {
  if (hasTarget || contentType.includes('json')) return 'json'
  if (contentType.startsWith('application/x-www-form-urlencoded') || query.has('Action')) {
    return 'query'
  }
  return restXmlServices.has(service) || contentType.includes('xml') ? 'rest-xml' : 'json'
}

/** The message a client sees for a service the emulator does not run. */
export function unavailableMessage(service: string): string {
  return `Service '${service}' is not available in the lite emulator; it serves ${EMULATED_SERVICES.join(', ')}`
}

/**
 * The operation a refused call attempted, for the log: the JSON target's operation, or the
 * query protocol's Action from the URL or the form body.
 */
export function nameRefusedOperation(
  target: string | undefined,
  query: URLSearchParams,
  formBody: string,
): string {
  if (target?.includes('.')) return target.slice(target.indexOf('.') + 1) || 'Unknown'
  return query.get('Action') ?? new URLSearchParams(formBody).get('Action') ?? 'Unknown'
}

/**
 * Answers a call to a service we do not emulate with an error in the caller's protocol, so the
 * SDK raises it as a typed, non-retried exception (501 is not in the SDK's transient list)
 * instead of failing to parse an HTML page or waiting on a socket. Returns the operation name.
 */
export async function refuseService(
  req: IncomingMessage,
  res: ServerResponse,
  service: string,
): Promise<string> {
  const url = new URL(req.url ?? '/', 'http://gateway')
  const contentType = String(req.headers['content-type'] ?? '').toLowerCase()
  const target = req.headers['x-amz-target']
  const protocol = detectErrorProtocol(service, contentType, target !== undefined, url.searchParams)
  let form = ''
  if (protocol === 'query') form = await readHead(req)
  else req.resume()
  const operation = nameRefusedOperation(
    typeof target === 'string' ? target : undefined,
    url.searchParams,
    form,
  )

  const code = 'NotImplemented'
  const message = unavailableMessage(service)
  const requestId = randomUUID()
  res.statusCode = 501
  res.setHeader('x-amzn-RequestId', requestId)
  res.setHeader('x-amzn-ErrorType', code)
  if (protocol === 'json') {
    const type = contentType.startsWith('application/x-amz-json') ? contentType : 'application/json'
    res.setHeader('Content-Type', type)
    res.end(JSON.stringify({ __type: code, message }))
    return operation
  }

  res.setHeader('Content-Type', 'text/xml')
  const error = `<Code>${code}</Code><Message>${escapeXml(message)}</Message>`
  if (protocol === 'query') {
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type>${error}</Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    )
  } else {
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${error}<RequestId>${requestId}</RequestId></Error>`,
    )
  }
  return operation
}

// The first 64 KiB of a form body is plenty to find Action; the rest is read and dropped so
// the client is not left waiting on the socket.
async function readHead(req: IncomingMessage): Promise<string> {
  const limit = 64 * 1024
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    if (size < limit) chunks.push(chunk as Buffer)
    size += (chunk as Buffer).length
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8')
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`)
}
