import * as core from '@actions/core'

export interface SetupSummary {
  engine: string
  image: string
  digest: string
  version: string
  endpoint: string
  startupMs: number | undefined
  services: string
}

/** One table in the job summary: what runs, where, and how long it took to be ready. */
export async function writeSetupSummary(s: SetupSummary): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  await core.summary
    .addHeading(`Emulator: ${s.engine}`, 3)
    .addTable([
      [
        { data: 'Setting', header: true },
        { data: 'Value', header: true },
      ],
      ['Engine', s.engine],
      ['Image', `<code>${escapeHtml(s.image)}</code>`],
      ['Digest', `<code>${escapeHtml(s.digest)}</code>`],
      ['Version', escapeHtml(s.version || 'not reported')],
      ['Endpoint', `<code>${escapeHtml(s.endpoint)}</code>`],
      ['Ready after', s.startupMs === undefined ? 'not waited for' : `${s.startupMs} ms`],
      ['Services', escapeHtml(s.services || 'not reported')],
    ])
    .write()
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}
