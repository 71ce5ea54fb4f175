/** A repository on GitHub, as `owner/repo`. */
export interface RepoRef {
  owner: string
  repo: string
}

/** Where a preview is in its life; the PR comment and the deployment follow it. */
export type PreviewState = 'deploying' | 'ready' | 'failed' | 'destroyed'

/** The workflow run that is writing, so a reader can follow the link and order runs. */
export interface RunRef {
  id: number
  attempt: number
  url: string
}
