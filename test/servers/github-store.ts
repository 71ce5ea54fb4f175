// The loopback GitHub server's state: one repository with pull requests, issue comments and
// deployments, plus the accounts that act on it. Routes read and change it; tests seed it.
import type {
  Account,
  CommentRecord,
  DeploymentRecord,
  PullRecord,
  RepoInfo,
  StatusRecord,
} from './github-payloads.js'

export type Permission = 'none' | 'read' | 'write'

/** What a token may do. GitHub's job token is an installation token of the Actions app. */
export interface TokenGrant {
  account: Account
  /** Installation tokens (the job token, app tokens) are refused by GET /user. */
  installation: boolean
  issues: Permission
  pullRequests: Permission
  deployments: Permission
}

export interface NewPull {
  number: number
  state?: 'open' | 'closed'
  title?: string
  body?: string | null
  head: { ref: string; sha: string; owner?: string }
  base?: { ref?: string; sha?: string }
  author?: Account
  draft?: boolean
}

/** GitHub's timestamps: ISO 8601 in UTC, whole seconds. */
export function timestamp(date = new Date()): string {
  return `${date.toISOString().slice(0, 19)}Z`
}

export class GitHubStore {
  readonly comments = new Map<number, CommentRecord>()
  readonly pulls = new Map<number, PullRecord>()
  readonly deployments = new Map<number, DeploymentRecord>()
  /** Commits the repository knows, so deployments can refuse unknown refs like GitHub does. */
  readonly knownShas = new Set<string>()
  private nextId = 1_000_001

  constructor(readonly repo: RepoInfo) {}

  id(): number {
    return this.nextId++
  }

  addPull(p: NewPull): PullRecord {
    if (this.pulls.has(p.number)) throw new Error(`pull #${p.number} already exists`)
    const now = timestamp()
    const closed = p.state === 'closed'
    const record: PullRecord = {
      id: this.id(),
      number: p.number,
      state: p.state ?? 'open',
      merged: false,
      title: p.title ?? `Change ${p.number}`,
      body: p.body ?? null,
      headRef: p.head.ref,
      headSha: p.head.sha,
      headOwner: p.head.owner ?? this.repo.owner.login,
      baseRef: p.base?.ref ?? this.repo.defaultBranch,
      baseSha: p.base?.sha ?? 'b'.repeat(40),
      author: p.author ?? { login: 'octocat', id: 583231, type: 'User' },
      draft: p.draft ?? false,
      createdAt: now,
      updatedAt: now,
      closedAt: closed ? now : null,
      mergedAt: null,
    }
    this.pulls.set(p.number, record)
    this.knownShas.add(record.headSha)
    this.knownShas.add(record.baseSha)
    return record
  }

  addComment(issue: number, body: string, author: Account): CommentRecord {
    const now = timestamp()
    const record = { id: this.id(), issue, body, author, createdAt: now, updatedAt: now }
    this.comments.set(record.id, record)
    return record
  }

  commentsOn(issue: number): CommentRecord[] {
    return [...this.comments.values()].filter((c) => c.issue === issue).sort((a, b) => a.id - b.id)
  }

  /** Resolves a deployment ref the way GitHub accepts it: branch, full ref, or known commit. */
  resolveRef(ref: string): string | undefined {
    if (this.knownShas.has(ref)) return ref
    const branch = ref.replace(/^refs\/heads\//, '')
    if (branch === this.repo.defaultBranch) return this.defaultBranchSha()
    const pullRef = /^refs\/pull\/(\d+)\/(?:head|merge)$/.exec(ref)
    if (pullRef) return this.pulls.get(Number(pullRef[1]))?.headSha
    const ownBranch = [...this.pulls.values()].find(
      (p) => p.headRef === branch && p.headOwner === this.repo.owner.login,
    )
    return ownBranch?.headSha
  }

  defaultBranchSha(): string {
    return 'b'.repeat(40)
  }

  latestStatus(d: DeploymentRecord): StatusRecord | undefined {
    return d.statuses[d.statuses.length - 1]
  }
}
