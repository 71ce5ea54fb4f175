import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ACTIONS, renderReadme } from '../../scripts/readme-tables.js'
import { ROOT } from '../helpers/run-action.js'

describe('README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')

  it.each(ACTIONS)('has input and output tables for %s', (action) => {
    expect(readme).toContain(`<!-- inputs:${action} -->`)
    expect(readme).toContain(`<!-- outputs:${action} -->`)
  })

  it('tables match every action.yml (fix: node --import tsx scripts/readme-tables.ts)', () => {
    expect(readme).toBe(renderReadme(readme))
  })

  it('leads with the two commands for a fresh machine', () => {
    const firstBlock = /```bash\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
    expect(firstBlock).toContain('npm run demo')
    expect(firstBlock).toContain('npm test')
  })
})
