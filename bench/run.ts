// Runs every benchmark and prints one table: measured value, target, and whether it is met.
// Targets are checked here, never in tests. Usage: npm run bench [-- lite setup preview sweep]
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from '../test/helpers/run-action.js'
import { benchSetup } from './actions.js'
import { benchLite, type Measurement } from './lite.js'
import { benchPreviewUpdate, benchSweep } from './preview.js'

const suites: Record<string, () => Promise<Measurement[]>> = {
  lite: benchLite,
  setup: benchSetup,
  preview: benchPreviewUpdate,
  sweep: benchSweep,
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
const chosen = process.argv.slice(2).filter((name) => name in suites)
execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' })
const rows: Measurement[] = []
for (const name of chosen.length > 0 ? chosen : Object.keys(suites)) {
  console.log(`running ${name}...`)
  rows.push(...((await suites[name]?.()) ?? []))
}
const width = Math.max(...rows.map((r) => r.name.length))
let missed = 0
for (const r of rows) {
  const met = r.target === undefined ? '' : r.value <= r.target ? 'met' : 'MISSED'
  if (met === 'MISSED') missed++
  const target = r.target === undefined ? '' : `<= ${r.target} ${r.unit}`
  console.log(
    `${r.name.padEnd(width)}  ${String(r.value).padStart(8)} ${r.unit.padEnd(5)}  ${target.padEnd(14)} ${met}`,
  )
}
console.log(missed === 0 ? 'all targets met' : `${missed} target(s) missed`)
