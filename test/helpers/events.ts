import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

interface ExampleGroup {
  name: string
  examples: Array<Record<string, unknown> & { action?: string }>
}

/**
 * GitHub's own example payload for an event (and action), deep-copied so a test can change it.
 * Throws when GitHub publishes no such example, so a typo never yields an empty event.
 */
export function exampleEvent(name: string, action?: string): Record<string, unknown> {
  const groups = require('@octokit/webhooks-examples') as ExampleGroup[]
  const group = groups.find((g) => g.name === name)
  const example = group?.examples.find((e) => action === undefined || e.action === action)
  if (!example)
    throw new Error(`No example payload for event '${name}'${action ? ` action '${action}'` : ''}`)
  return structuredClone(example)
}

/**
 * GitHub's example `pull_request` payload, moved to a repository and PR of the test's choice.
 * `fork` makes the head branch live in another repository, as for a fork's PR.
 */
export function pullRequestEvent(
  action: string,
  pr: {
    repository: string
    number: number
    sha: string
    ref?: string
    fork?: string
    state?: 'open' | 'closed'
  },
): { name: string; payload: Record<string, unknown> } {
  const payload = exampleEvent('pull_request', action)
  const [owner = '', name = ''] = pr.repository.split('/')
  const repository = {
    ...(payload.repository as object),
    full_name: pr.repository,
    name,
    owner: { login: owner },
  }
  const pull = payload.pull_request as Record<string, Record<string, unknown>>
  payload.number = pr.number
  payload.repository = repository
  payload.pull_request = {
    ...pull,
    number: pr.number,
    state: pr.state ?? (action === 'closed' ? 'closed' : 'open'),
    head: {
      ...pull.head,
      sha: pr.sha,
      ref: pr.ref ?? 'feature',
      repo: { ...(pull.head?.repo as object), full_name: pr.fork ?? pr.repository },
    },
    base: { ...pull.base, repo: repository },
  }
  return { name: 'pull_request', payload }
}
