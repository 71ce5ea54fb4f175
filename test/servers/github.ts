// A GitHub REST (and minimal GraphQL) server on 127.0.0.1 for tests: real in-memory state,
// GitHub's payload shapes, its auth and permission answers, paging, and injectable faults.
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type Account,
  type CommentRecord,
  type DeploymentRecord,
  issueComment,
  type PullRecord,
  type RepoInfo,
  type StatusRecord,
} from './github-payloads.js'
import { notFound, type Reply, ROUTES, type RouteContext } from './github-routes.js'
import { GitHubStore, type NewPull, type TokenGrant, timestamp } from './github-store.js'

export type { NewPull, Permission, TokenGrant } from './github-store.js'
export type { Account, CommentRecord, DeploymentRecord, PullRecord, StatusRecord }

/** The bot behind the job's GITHUB_TOKEN, as REST shows it on what it writes. */
export const ACTIONS_BOT: Account = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' }
export const OCTOCAT: Account = { login: 'octocat', id: 583231, type: 'User' }
export const OTHER_BOT: Account = { login: 'other-app[bot]', id: 99000001, type: 'Bot' }

/** Token shapes follow GitHub's prefixes: ghs_ for installation tokens, ghp_ for personal ones. */
export const JOB_TOKEN = 'ghs_loopbackJobToken00000000000000000000'
export const USER_TOKEN = 'ghp_loopbackUserToken0000000000000000000'

export interface GitHubServerOptions {
  owner?: string
  repo?: string
  defaultBranch?: string
  /** Extra tokens, besides JOB_TOKEN (the Actions bot) and USER_TOKEN (octocat). */
  tokens?: Record<string, Partial<TokenGrant> & { account: Account }>
}

export interface RecordedRequest {
  method: string
  /** Path as sent, without the query string. */
  path: string
  query: Record<string, string>
  /** Login of the account whose token was sent, if any was recognised. */
  login: string | undefined
  body: unknown
  status: number
  /** The JSON answer (or HTML text); undefined for an empty one. */
  response: unknown
}

export interface Fault {
  method?: string
  path: RegExp
  status: 403 | 429 | 500 | 502 | 503
  /** For 403: a secondary rate limit (the default), the primary one, or a permission refusal. */
  kind?: 'secondary-rate-limit' | 'rate-limit' | 'forbidden'
  /** How many matching requests fail; 1 by default. */
  times?: number
  /** Seconds, sent as `retry-after` (rate limits) or folded into `x-ratelimit-reset`. */
  retryAfter?: number
}

export interface GitHubServer {
  url: string
  owner: string
  repo: string
  tokens: { job: string; user: string }
  /** The server's records (pulls, comments, deployments), to read or seed directly. */
  state: GitHubStore
  requests: RecordedRequest[]
  close(): Promise<void>
  inject(fault: Fault): void
  addToken(token: string, grant: Partial<TokenGrant> & { account: Account }): void
  addPull(pull: NewPull): PullRecord
  /** A push to the PR's branch: the head moves to `sha`. */
  pushPull(number: number, sha: string): void
  closePull(number: number, opts?: { merged?: boolean }): void
  /** Seeds a comment as any account, e.g. someone else quoting our marker. */
  addComment(issue: number, body: string, author?: Account): CommentRecord
  comments(issue: number): CommentRecord[]
  deployments(filter?: { environment?: string }): DeploymentRecord[]
}

/** Starts the server on 127.0.0.1, port 0. */
export async function startGitHubServer(opts: GitHubServerOptions = {}): Promise<GitHubServer> {
  const tokens = new Map<string, TokenGrant>()
  const faults: Array<Fault & { left: number }> = []
  const requests: RecordedRequest[] = []
  const owner: Account = { login: opts.owner ?? 'ephemera-test', id: 7000001, type: 'User' }
  const repoInfo: RepoInfo = {
    id: 7100001,
    owner,
    name: opts.repo ?? 'app',
    defaultBranch: opts.defaultBranch ?? 'main',
    baseUrl: '',
  }
  const store = new GitHubStore(repoInfo)

  const addToken = (token: string, g: Partial<TokenGrant> & { account: Account }): void => {
    const full = { installation: g.account.type === 'Bot', issues: 'write', ...g }
    tokens.set(token, { pullRequests: 'write', deployments: 'write', ...full } as TokenGrant)
  }
  addToken(JOB_TOKEN, { account: ACTIONS_BOT })
  addToken(USER_TOKEN, { account: OCTOCAT })
  for (const [token, grant] of Object.entries(opts.tokens ?? {})) addToken(token, grant)

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(String(error))
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req)
    const url = new URL(req.url ?? '/', repoInfo.baseUrl)
    const method = req.method ?? 'GET'
    const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '')
    const grant = auth ? tokens.get(auth[1] ?? '') : undefined
    const record = (body: unknown, reply: Reply): void => {
      const query = Object.fromEntries(url.searchParams)
      const login = grant?.account.login
      const { status, body: response } = reply
      requests.push({ method, path: url.pathname, query, login, body, status, response })
    }

    let body: unknown = {}
    let reply: Reply | undefined
    try {
      body = raw === '' ? {} : JSON.parse(raw)
    } catch {
      reply = {
        status: 400,
        body: {
          message: 'Problems parsing JSON',
          documentation_url: 'https://docs.github.com/rest',
        },
      }
    }
    reply ??= route(method, url, body, grant, auth !== null)
    record(body, reply)
    send(res, reply)
  }

  function route(
    method: string,
    url: URL,
    body: unknown,
    grant: TokenGrant | undefined,
    sentToken: boolean,
  ): Reply {
    const fault = takeFault(method, url.pathname)
    if (fault) return faultReply(fault)
    if (sentToken && !grant) {
      return {
        status: 401,
        body: {
          message: 'Bad credentials',
          documentation_url: 'https://docs.github.com/rest',
          status: '401',
        },
      }
    }

    // Link headers point at /repositories/{id}/..., as GitHub's do; both forms reach the repo.
    const path = url.pathname.replace(
      new RegExp(`^/repositories/${repoInfo.id}(?=/)`),
      `/repos/${repoInfo.owner.login}/${repoInfo.name}`,
    )
    const match = ROUTES.find((r) => r.method === method && r.pattern.test(path))
    if (!match) return notFound('https://docs.github.com/rest')
    const params = (match.pattern.exec(path) ?? []).slice(1).map((p) => decodeURIComponent(p))
    const isObject = typeof body === 'object' && body !== null && !Array.isArray(body)
    const ctx: RouteContext = {
      store,
      grant,
      query: url.searchParams,
      body: isObject ? (body as Record<string, unknown>) : {},
      params,
    }
    return match.handle(ctx, match.doc)
  }

  function takeFault(method: string, path: string): Fault | undefined {
    const index = faults.findIndex(
      (f) => f.left > 0 && (!f.method || f.method === method) && f.path.test(path),
    )
    if (index < 0) return undefined
    const fault = faults[index] as Fault & { left: number }
    fault.left--
    if (fault.left === 0) faults.splice(index, 1)
    return fault
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  repoInfo.baseUrl = `http://127.0.0.1:${port}`

  return {
    url: repoInfo.baseUrl,
    owner: owner.login,
    repo: repoInfo.name,
    tokens: { job: JOB_TOKEN, user: USER_TOKEN },
    state: store,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
    inject: (fault) => faults.push({ ...fault, left: fault.times ?? 1 }),
    addToken,
    addPull: (pull) => store.addPull(pull),
    pushPull: (number, sha) => {
      const pull = mustGetPull(store, number)
      pull.headSha = sha
      pull.updatedAt = timestamp()
      store.knownShas.add(sha)
    },
    closePull: (number, closeOpts) => {
      const pull = mustGetPull(store, number)
      const now = timestamp()
      pull.state = 'closed'
      pull.closedAt = now
      pull.updatedAt = now
      pull.merged = closeOpts?.merged ?? false
      pull.mergedAt = pull.merged ? now : null
    },
    addComment: (issue, body, author = OCTOCAT) => store.addComment(issue, body, author),
    comments: (issue) => store.commentsOn(issue),
    deployments: (filter) =>
      [...store.deployments.values()].filter(
        (d) => !filter?.environment || d.environment === filter.environment,
      ),
  }
}

function mustGetPull(store: GitHubStore, number: number): PullRecord {
  const pull = store.pulls.get(number)
  if (!pull) throw new Error(`no pull #${number} in the loopback GitHub server`)
  return pull
}

const SECONDARY_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000000:0000000:00000000 and timestamp 2025-01-01 00:00:00 UTC.'

function faultReply(f: Fault): Reply {
  const limitsDoc = 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api'
  const kind = f.kind ?? 'secondary-rate-limit'
  if (f.status === 500) return { status: 500, body: { message: 'Server Error' } }
  if (f.status === 502 || f.status === 503) {
    // GitHub's edge answers these with an HTML page, not JSON.
    const text = f.status === 502 ? 'Bad Gateway' : 'Service Unavailable'
    return { status: f.status, body: `<html><body><h1>${f.status} ${text}</h1></body></html>` }
  }
  if (f.status === 403 && kind === 'forbidden') {
    return {
      status: 403,
      body: {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest',
      },
    }
  }
  const retryAfter = f.retryAfter ?? 1
  if (kind === 'rate-limit') {
    const reset = Math.floor(Date.now() / 1000) + retryAfter
    return {
      status: f.status,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      body: {
        message: 'API rate limit exceeded for installation ID 1000001.',
        documentation_url: `${limitsDoc}#about-primary-rate-limits`,
      },
    }
  }
  return {
    status: f.status,
    headers: { 'retry-after': String(retryAfter) },
    body: {
      message: SECONDARY_MESSAGE,
      documentation_url: `${limitsDoc}#about-secondary-rate-limits`,
    },
  }
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = {
    'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
    'x-github-api-version-selected': '2022-11-28',
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    'x-ratelimit-used': '1',
    'x-ratelimit-resource': 'core',
    ...reply.headers,
  }
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers)
    res.end()
    return
  }
  const html = typeof reply.body === 'string'
  headers['content-type'] = html ? 'text/html' : 'application/json; charset=utf-8'
  res.writeHead(reply.status, headers)
  res.end(html ? reply.body : JSON.stringify(reply.body))
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/** Renders a stored comment as the API would, for assertions on what a reader sees. */
export function commentPayload(server: GitHubServer, c: CommentRecord) {
  return issueComment(c, server.state.repo)
}
