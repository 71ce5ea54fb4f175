// A loopback container registry (Docker Registry HTTP API V2, pull side only) for tests that
// pull through a real engine. Engines treat registries on 127.0.0.0/8 as insecure, so they
// speak plain HTTP to it. Repositories hold packed images under tags; a repository can demand
// Basic credentials, and faults (rate limits, server errors) can be queued per path.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Blob, RegistryImage } from './registry-image.js'

export interface RegistryRequest {
  method: string
  /** Path without the query string, e.g. /v2/ephemera/lite/manifests/1.0. */
  path: string
  /** The status answered; 0 while the answer is still being written. */
  status: number
  /** Whether the request carried an Authorization header. */
  withCredentials: boolean
}

export interface RegistryFault {
  /** Tested against the request path, e.g. /manifests\// */
  path: RegExp
  /** Only requests with this method (GET, HEAD); any when left out. */
  method?: string
  status: 429 | 500 | 502 | 503
  /** How many matching requests get the fault before the registry answers normally again. */
  times: number
  /** Seconds for the Retry-After header. */
  retryAfter?: number
}

export interface Credentials {
  username: string
  password: string
}

export interface RegistryOptions {
  /** Realm of the Basic challenge. */
  realm?: string
  /**
   * Answer GET /v2/ with the Basic challenge as well, like a registry where every repository
   * needs a login (the reference registry with htpasswd). Otherwise /v2/ is open and only the
   * protected repositories answer 401.
   */
  challengeBase?: boolean
}

export interface RegistryServer {
  /** http://127.0.0.1:PORT */
  readonly url: string
  /** 127.0.0.1:PORT, the registry part of an image reference. */
  readonly host: string
  readonly port: number
  /** Every request in the order it arrived. */
  readonly requests: RegistryRequest[]
  /** Makes `image` available as `name:tag` (and `name@digest`). */
  push(name: string, tag: string, image: RegistryImage): void
  /** Removes a tag; the repository stays known. */
  untag(name: string, tag: string): void
  /** Demands these Basic credentials for every request to repository `name`. */
  protect(name: string, credentials: Credentials): void
  /** Queues a fault; faults are checked in the order they were queued. */
  inject(fault: RegistryFault): void
  close(): Promise<void>
}

interface Reply {
  status: number
  headers?: Record<string, string | number>
  body?: Buffer | string
}

const API_VERSION = { 'Docker-Distribution-API-Version': 'registry/2.0' }
const NAME = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*'
const MANIFEST_PATH = new RegExp(`^/v2/(${NAME})/manifests/([^/]+)$`)
const BLOB_PATH = new RegExp(`^/v2/(${NAME})/blobs/([^/]+)$`)
const TAGS_PATH = new RegExp(`^/v2/(${NAME})/tags/list$`)

/** Error bodies as the distribution spec defines them. */
export function registryError(code: string, message: string, detail?: unknown): string {
  return JSON.stringify({ errors: [{ code, message, ...(detail ? { detail } : {}) }] })
}

/** Starts the registry on 127.0.0.1 with a port the system picks. */
export async function startRegistry(opts: RegistryOptions = {}): Promise<RegistryServer> {
  const realm = opts.realm ?? 'ephemera test registry'
  const repos = new Map<string, Map<string, RegistryImage>>()
  const protectedRepos = new Map<string, string>()
  const faults: RegistryFault[] = []
  const requests: RegistryRequest[] = []

  const challenge = (name?: string): Reply => ({
    status: 401,
    headers: { 'WWW-Authenticate': `Basic realm="${realm}"` },
    body: registryError(
      'UNAUTHORIZED',
      'authentication required',
      name ? [{ Type: 'repository', Class: '', Name: name, Action: 'pull' }] : undefined,
    ),
  })

  const takeFault = (method: string, path: string): Reply | undefined => {
    const index = faults.findIndex(
      (f) => f.times > 0 && f.path.test(path) && (!f.method || f.method === method),
    )
    const fault = faults[index]
    if (!fault) return undefined
    fault.times -= 1
    if (fault.times === 0) faults.splice(index, 1)
    return faultReply(fault)
  }

  const route = (method: string, path: string, req: http.IncomingMessage): Reply => {
    const fault = takeFault(method, path)
    if (fault) return fault
    if (method !== 'GET' && method !== 'HEAD') {
      return { status: 405, body: registryError('UNSUPPORTED', 'this registry serves pulls only') }
    }
    const auth = req.headers.authorization
    if (path === '/v2/' || path === '/v2') {
      const accepted = [...protectedRepos.values()].includes(auth ?? '')
      if (opts.challengeBase && protectedRepos.size > 0 && !accepted) return challenge()
      return { status: 200, headers: { 'Content-Type': 'application/json' }, body: '{}' }
    }

    const manifest = MANIFEST_PATH.exec(path)
    const blob = BLOB_PATH.exec(path)
    const tagList = TAGS_PATH.exec(path)
    const name = (manifest ?? blob ?? tagList)?.[1]
    if (!name) return { status: 404, body: '404 page not found\n' }
    const expected = protectedRepos.get(name)
    if (expected && auth !== expected) return challenge(name)
    const tags = repos.get(name)
    if (!tags) {
      return {
        status: 404,
        body: registryError('NAME_UNKNOWN', 'repository name not known to registry', { name }),
      }
    }

    if (manifest) return manifestReply(tags, manifest[2] ?? '')
    if (blob) return blobReply(tags, blob[2] ?? '', req.headers.range)
    return json(200, { name, tags: [...tags.keys()].sort() })
  }

  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET'
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const entry = { method, path, status: 0, withCredentials: !!req.headers.authorization }
    requests.push(entry)
    // The request body (there is none on a pull) is drained so keep-alive stays usable.
    req.resume()
    const reply = route(method, path, req)
    entry.status = reply.status
    send(res, method, reply)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    requests,
    push(name, tag, image) {
      if (!new RegExp(`^${NAME}$`).test(name)) throw new Error(`invalid repository name ${name}`)
      const tags = repos.get(name) ?? new Map<string, RegistryImage>()
      tags.set(tag, image)
      repos.set(name, tags)
    },
    untag(name, tag) {
      repos.get(name)?.delete(tag)
    },
    protect(name, { username, password }) {
      const token = Buffer.from(`${username}:${password}`).toString('base64')
      protectedRepos.set(name, `Basic ${token}`)
    },
    inject(fault) {
      if (fault.times < 1) throw new Error('a fault needs times >= 1')
      faults.push({ ...fault })
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}

function faultReply(fault: RegistryFault): Reply {
  const headers: Record<string, string | number> = {}
  if (fault.retryAfter !== undefined) headers['Retry-After'] = fault.retryAfter
  if (fault.status === 429) {
    return {
      status: 429,
      headers,
      body: registryError(
        'TOOMANYREQUESTS',
        'too many requests: the pull rate limit of this registry is reached',
      ),
    }
  }
  if (fault.status === 500) {
    return { status: 500, headers, body: registryError('UNKNOWN', 'unknown error') }
  }
  // A proxy in front of the registry answers these, with a page of its own rather than JSON.
  const text = fault.status === 502 ? 'Bad Gateway' : 'Service Unavailable'
  return {
    status: fault.status,
    headers: { ...headers, 'Content-Type': 'text/html' },
    body: `<html><body><h1>${fault.status} ${text}</h1></body></html>\n`,
  }
}

function manifestReply(tags: Map<string, RegistryImage>, ref: string): Reply {
  const image = ref.startsWith('sha256:')
    ? [...tags.values()].find((i) => i.digest === ref)
    : tags.get(ref)
  if (!image) {
    return {
      status: 404,
      body: registryError('MANIFEST_UNKNOWN', 'manifest unknown', { Tag: ref }),
    }
  }
  return {
    status: 200,
    headers: { 'Content-Type': image.mediaType, 'Docker-Content-Digest': image.digest },
    body: image.manifest,
  }
}

function blobReply(tags: Map<string, RegistryImage>, digest: string, range?: string): Reply {
  let found: Blob | undefined
  for (const image of tags.values()) {
    found ??= [image.config, ...image.layers].find((b) => b.digest === digest)
  }
  if (!found) return { status: 404, body: registryError('BLOB_UNKNOWN', 'blob unknown', digest) }
  const headers = {
    'Content-Type': 'application/octet-stream',
    'Docker-Content-Digest': found.digest,
    'Accept-Ranges': 'bytes',
  }

  // An engine resumes an interrupted layer download with a range request.
  const wanted = range ? /^bytes=(\d+)-(\d*)$/.exec(range) : null
  if (!wanted) return { status: 200, headers, body: found.data }
  const start = Number(wanted[1])
  const end = wanted[2] ? Math.min(Number(wanted[2]), found.size - 1) : found.size - 1
  if (start > end) {
    return {
      status: 416,
      headers: { 'Content-Range': `bytes */${found.size}` },
      body: registryError('BLOB_UNKNOWN', 'requested range not satisfiable', digest),
    }
  }
  return {
    status: 206,
    headers: { ...headers, 'Content-Range': `bytes ${start}-${end}/${found.size}` },
    body: found.data.subarray(start, end + 1),
  }
}

function json(status: number, value: unknown): Reply {
  return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) }
}

function send(res: http.ServerResponse, method: string, reply: Reply): void {
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body
  const isJson = typeof reply.body === 'string' && reply.body.startsWith('{')
  res.writeHead(reply.status, {
    ...API_VERSION,
    ...(isJson ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
    ...reply.headers,
    'Content-Length': body?.length ?? 0,
  })
  res.end(method === 'HEAD' ? undefined : body)
}
