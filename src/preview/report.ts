import type { PreviewState } from '../github/types.js'
import type { PreviewKey } from '../providers/provider.js'

/** One moment of a preview's life, as the PR comment and the deployment show it. */
export interface PreviewReport {
  state: PreviewState
  key: PreviewKey
  sha: string
  runUrl: string
  expiresAt?: Date
  url?: string
  links?: Array<{ label: string; url: string }>
  /** Failed: the tail of the deploy output and of the instance's logs. */
  deployOutput?: string
  instanceLogs?: string
  /** One line on what happened (failed: why; destroyed: by whom). */
  message?: string
}

/** Where the preview's state is shown. Reporting never fails the preview; it warns. */
export interface PreviewReporter {
  report(report: PreviewReport): Promise<void>
}

/** Reports to the log only, when there is no token or the user turned comments off. */
export const silentReporter: PreviewReporter = {
  report: async () => undefined,
}
