// Builds GitHub's response payloads from the loopback server's records. Every builder returns
// the type GitHub's OpenAPI description gives the endpoint, so a missing field fails tsc.
import type { components } from '@octokit/openapi-types'

type Schemas = components['schemas']
export type SimpleUser = Schemas['simple-user']
export type PrivateUser = Schemas['private-user']
export type Repository = Schemas['repository']
export type IssueCommentPayload = Schemas['issue-comment']
export type PullRequestPayload = Schemas['pull-request']
export type PullRequestSimplePayload = Schemas['pull-request-simple']
export type DeploymentPayload = Schemas['deployment']
export type DeploymentStatusPayload = Schemas['deployment-status']
export type DeploymentStatusState = DeploymentStatusPayload['state']

export interface Account {
  login: string
  id: number
  type: 'Bot' | 'User'
}

export interface CommentRecord {
  id: number
  issue: number
  body: string
  author: Account
  createdAt: string
  updatedAt: string
}

export interface PullRecord {
  id: number
  number: number
  state: 'open' | 'closed'
  merged: boolean
  title: string
  body: string | null
  headRef: string
  headSha: string
  /** Owner of the head branch's repository; differs from the base owner for forks. */
  headOwner: string
  baseRef: string
  baseSha: string
  author: Account
  draft: boolean
  createdAt: string
  updatedAt: string
  closedAt: string | null
  mergedAt: string | null
}

export interface StatusRecord {
  id: number
  state: DeploymentStatusState
  description: string
  environment: string
  environmentUrl: string
  logUrl: string
  creator: Account
  createdAt: string
}

export interface DeploymentRecord {
  id: number
  ref: string
  sha: string
  task: string
  payload: Record<string, unknown> | string
  environment: string
  description: string | null
  transient: boolean
  production: boolean
  creator: Account
  createdAt: string
  updatedAt: string
  statuses: StatusRecord[]
}

/** The repository the server plays, and where its URLs point. */
export interface RepoInfo {
  id: number
  owner: Account
  name: string
  defaultBranch: string
  /** Root of both API and web URLs, like GitHub Enterprise Server without the /api/v3. */
  baseUrl: string
}

export function nodeId(prefix: string, id: number): string {
  return `${prefix}_${Buffer.from(`ephemera-test:${id}`).toString('base64url')}`
}

export function simpleUser(a: Account, baseUrl: string): SimpleUser {
  const api = `${baseUrl}/users/${encodeURIComponent(a.login)}`
  return {
    login: a.login,
    id: a.id,
    node_id: nodeId(a.type === 'Bot' ? 'BOT' : 'U', a.id),
    avatar_url: `${baseUrl}/avatars/u/${a.id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: `${baseUrl}/${a.type === 'Bot' ? 'apps/' : ''}${a.login.replace(/\[bot\]$/, '')}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: a.type,
    site_admin: false,
    user_view_type: 'public',
  }
}

export function privateUser(a: Account, baseUrl: string): PrivateUser {
  return {
    ...simpleUser(a, baseUrl),
    user_view_type: 'private',
    name: null,
    company: null,
    blog: '',
    location: null,
    email: null,
    hireable: null,
    bio: null,
    public_repos: 1,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: '2020-01-01T00:00:00Z',
    updated_at: '2020-01-01T00:00:00Z',
    private_gists: 0,
    total_private_repos: 1,
    owned_private_repos: 1,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
  }
}

export function repository(r: RepoInfo): Repository {
  const full = `${r.owner.login}/${r.name}`
  const api = `${r.baseUrl}/repos/${full}`
  const git = r.baseUrl.replace(/^https?:/, 'git:')
  return {
    id: r.id,
    node_id: nodeId('R', r.id),
    name: r.name,
    full_name: full,
    license: null,
    forks: 0,
    owner: simpleUser(r.owner, r.baseUrl),
    private: true,
    html_url: `${r.baseUrl}/${full}`,
    description: null,
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_url: `${git}/${full}.git`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    ssh_url: `git@${new URL(r.baseUrl).host}:${full}.git`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    clone_url: `${r.baseUrl}/${full}.git`,
    mirror_url: null,
    hooks_url: `${api}/hooks`,
    svn_url: `${r.baseUrl}/${full}`,
    homepage: null,
    language: 'TypeScript',
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    size: 1,
    default_branch: r.defaultBranch,
    open_issues_count: 0,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: 'private',
    pushed_at: '2025-01-01T00:00:00Z',
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    open_issues: 0,
    watchers: 0,
  }
}

export function issueComment(c: CommentRecord, r: RepoInfo): IssueCommentPayload {
  const api = `${r.baseUrl}/repos/${r.owner.login}/${r.name}`
  return {
    id: c.id,
    node_id: nodeId('IC', c.id),
    url: `${api}/issues/comments/${c.id}`,
    html_url: `${r.baseUrl}/${r.owner.login}/${r.name}/pull/${c.issue}#issuecomment-${c.id}`,
    body: c.body,
    user: simpleUser(c.author, r.baseUrl),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    issue_url: `${api}/issues/${c.issue}`,
    author_association: c.author.type === 'Bot' ? 'NONE' : 'MEMBER',
    performed_via_github_app: null,
    reactions: {
      url: `${api}/issues/comments/${c.id}/reactions`,
      total_count: 0,
      '+1': 0,
      '-1': 0,
      laugh: 0,
      confused: 0,
      heart: 0,
      hooray: 0,
      eyes: 0,
      rocket: 0,
    },
  }
}

export function pullRequestSimple(p: PullRecord, r: RepoInfo): PullRequestSimplePayload {
  const full = `${r.owner.login}/${r.name}`
  const api = `${r.baseUrl}/repos/${full}`
  const html = `${r.baseUrl}/${full}/pull/${p.number}`
  const repo = repository(r)
  const owner = simpleUser(r.owner, r.baseUrl)
  return {
    url: `${api}/pulls/${p.number}`,
    id: p.id,
    node_id: nodeId('PR', p.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${api}/issues/${p.number}`,
    commits_url: `${api}/pulls/${p.number}/commits`,
    review_comments_url: `${api}/pulls/${p.number}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${p.number}/comments`,
    statuses_url: `${api}/statuses/${p.headSha}`,
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    user: simpleUser(p.author, r.baseUrl),
    body: p.body,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: p.createdAt,
    updated_at: p.updatedAt,
    closed_at: p.closedAt,
    merged_at: p.mergedAt,
    merge_commit_sha: p.merged ? p.headSha : null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: {
      label: `${p.headOwner}:${p.headRef}`,
      ref: p.headRef,
      repo,
      sha: p.headSha,
      user: owner,
    },
    base: {
      label: `${r.owner.login}:${p.baseRef}`,
      ref: p.baseRef,
      repo,
      sha: p.baseSha,
      user: owner,
    },
    _links: {
      self: { href: `${api}/pulls/${p.number}` },
      html: { href: html },
      issue: { href: `${api}/issues/${p.number}` },
      comments: { href: `${api}/issues/${p.number}/comments` },
      review_comments: { href: `${api}/pulls/${p.number}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${api}/pulls/${p.number}/commits` },
      statuses: { href: `${api}/statuses/${p.headSha}` },
    },
    author_association: 'MEMBER',
    auto_merge: null,
    draft: p.draft,
  }
}

export function pullRequest(p: PullRecord, r: RepoInfo): PullRequestPayload {
  const simple = pullRequestSimple(p, r)
  const owner = simpleUser(r.owner, r.baseUrl)
  return {
    ...simple,
    state: p.state,
    user: simpleUser(p.author, r.baseUrl),
    labels: [],
    head: { ...simple.head, user: owner },
    base: { ...simple.base, user: owner },
    merged: p.merged,
    mergeable: p.state === 'open' ? true : null,
    rebaseable: p.state === 'open' ? true : null,
    mergeable_state: p.state === 'open' ? 'clean' : 'unknown',
    merged_by: p.merged ? simpleUser(p.author, r.baseUrl) : null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: 1,
    additions: 1,
    deletions: 0,
    changed_files: 1,
  }
}

export function deployment(d: DeploymentRecord, r: RepoInfo): DeploymentPayload {
  const api = `${r.baseUrl}/repos/${r.owner.login}/${r.name}`
  return {
    url: `${api}/deployments/${d.id}`,
    id: d.id,
    node_id: nodeId('DE', d.id),
    sha: d.sha,
    ref: d.ref,
    task: d.task,
    payload: d.payload,
    original_environment: d.environment,
    environment: d.environment,
    description: d.description,
    creator: simpleUser(d.creator, r.baseUrl),
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    statuses_url: `${api}/deployments/${d.id}/statuses`,
    repository_url: api,
    transient_environment: d.transient,
    production_environment: d.production,
    performed_via_github_app: null,
  }
}

export function deploymentStatus(
  s: StatusRecord,
  d: DeploymentRecord,
  r: RepoInfo,
): DeploymentStatusPayload {
  const api = `${r.baseUrl}/repos/${r.owner.login}/${r.name}`
  return {
    url: `${api}/deployments/${d.id}/statuses/${s.id}`,
    id: s.id,
    node_id: nodeId('DES', s.id),
    state: s.state,
    creator: simpleUser(s.creator, r.baseUrl),
    description: s.description,
    environment: s.environment,
    target_url: s.logUrl,
    created_at: s.createdAt,
    updated_at: s.createdAt,
    deployment_url: `${api}/deployments/${d.id}`,
    repository_url: api,
    environment_url: s.environmentUrl,
    log_url: s.logUrl,
    performed_via_github_app: null,
  }
}
