import { join } from 'node:path'

/**
 * Reporters for one vitest run. When EPHEMERA_TEST_REPORT_DIR is set (the CI script sets it),
 * a JSON report is written there too, so the script can total passes and failures across
 * the unit and integration runs.
 */
export function reporters(name: string): Array<string | [string, Record<string, unknown>]> {
  const dir = process.env.EPHEMERA_TEST_REPORT_DIR
  if (!dir) return ['default']
  return ['default', ['json', { outputFile: join(dir, `${name}.json`) }]]
}
