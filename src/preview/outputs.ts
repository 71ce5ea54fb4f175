import * as core from '@actions/core'
import type { PreviewInstance, PreviewKey } from '../providers/provider.js'
import { errorMessage } from '../util/errors.js'

/** The step's outputs, and PREVIEW_URL for later steps. */
export function setOutputs(instance: PreviewInstance, key: PreviewKey): void {
  core.setOutput('url', instance.url)
  core.setOutput('name', key.name)
  core.setOutput('instance-id', instance.id)
  core.setOutput('expires-at', instance.expiresAt.toISOString())
  core.exportVariable('PREVIEW_URL', instance.url)
}

/** The preview's URL, instance and expiry in the job summary. */
export async function writeSummary(
  instance: PreviewInstance,
  key: PreviewKey,
  reused: boolean,
): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  try {
    await core.summary
      .addHeading(`Preview ${key.name} for PR #${key.pr}`, 3)
      .addTable([
        [{ data: 'URL', header: true }, { data: `<a href="${instance.url}">${instance.url}</a>` }],
        [
          { data: 'Instance', header: true },
          { data: `<code>${instance.id.slice(0, 12)}</code> (${reused ? 'reused' : 'new'})` },
        ],
        [{ data: 'Expires', header: true }, { data: instance.expiresAt.toISOString() }],
      ])
      .write()
  } catch (error) {
    core.warning(`Could not write the job summary: ${errorMessage(error)}`)
  }
}
