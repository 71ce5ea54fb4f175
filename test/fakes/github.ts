import type { GitHubApi, PullSummary } from '../../src/github/api.js'

/** A GitHubApi that knows pull requests only; any other call fails the test that makes it. */
export function fakePulls(pulls: PullSummary[]): GitHubApi & { calls: string[] } {
  const calls: string[] = []
  const unexpected = (name: string) => async () => {
    throw new Error(`unexpected GitHub call: ${name}`)
  }
  return {
    calls,
    getPull: async (_repo, number) => {
      calls.push(`getPull ${number}`)
      const pull = pulls.find((p) => p.number === number)
      if (!pull) throw new Error(`no PR #${number}`)
      return pull
    },
    listPulls: async (_repo, filter) => {
      calls.push(`listPulls ${JSON.stringify(filter)}`)
      return pulls.filter(
        (p) =>
          (filter.state === undefined || filter.state === 'all' || p.state === filter.state) &&
          (filter.head === undefined || filter.head.endsWith(`:${p.headRef}`)),
      )
    },
    getPullContext: unexpected('getPullContext'),
    listIssueComments: unexpected('listIssueComments'),
    createIssueComment: unexpected('createIssueComment'),
    updateIssueComment: unexpected('updateIssueComment'),
    deleteIssueComment: unexpected('deleteIssueComment'),
    createDeployment: unexpected('createDeployment'),
    listDeployments: unexpected('listDeployments'),
    createDeploymentStatus: unexpected('createDeploymentStatus'),
  }
}

export function pullSummary(number: number, patch: Partial<PullSummary> = {}): PullSummary {
  return {
    number,
    state: 'open',
    headRef: `branch-${number}`,
    headSha: `${number}`.padStart(40, 'f'),
    htmlUrl: `https://github.com/o/r/pull/${number}`,
    ...patch,
  }
}
