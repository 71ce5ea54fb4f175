// Renders the input and output tables of each action.yml into README.md between markers
// (<!-- inputs:setup --> ... <!-- /inputs:setup -->). A unit test renders them again and
// fails when the README and action.yml disagree. Run: node --import tsx scripts/readme-tables.ts
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

interface ActionSpec {
  inputs?: Record<string, { description?: string; default?: string }>
  outputs?: Record<string, { description?: string }>
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

export function renderTables(action: string): { inputs: string; outputs: string } {
  const dir = action === 'setup' ? root : join(root, action)
  const spec = parse(readFileSync(join(dir, 'action.yml'), 'utf8')) as ActionSpec
  const inputs = [
    '| Input | Default | Description |',
    '| --- | --- | --- |',
    ...Object.entries(spec.inputs ?? {}).map(
      ([name, i]) =>
        `| \`${name}\` | ${i.default ? `\`${cell(i.default)}\`` : ''} | ${cell(i.description ?? '')} |`,
    ),
  ].join('\n')
  const outputs = [
    '| Output | Description |',
    '| --- | --- |',
    ...Object.entries(spec.outputs ?? {}).map(
      ([name, o]) => `| \`${name}\` | ${cell(o.description ?? '')} |`,
    ),
  ].join('\n')
  return { inputs, outputs }
}

export const ACTIONS = ['setup', 'preview', 'finish'].filter((a) =>
  existsSync(join(a === 'setup' ? root : join(root, a), 'action.yml')),
)

/** README with every marked table replaced by a fresh rendering. */
export function renderReadme(readme: string): string {
  let out = readme
  for (const action of ACTIONS) {
    const tables = renderTables(action)
    for (const kind of ['inputs', 'outputs'] as const) {
      const open = `<!-- ${kind}:${action} -->`
      const close = `<!-- /${kind}:${action} -->`
      const start = out.indexOf(open)
      const end = out.indexOf(close)
      if (start === -1 || end === -1) continue
      out = `${out.slice(0, start + open.length)}\n${tables[kind]}\n${out.slice(end)}`
    }
  }
  return out
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = join(root, 'README.md')
  writeFileSync(path, renderReadme(readFileSync(path, 'utf8')))
}
