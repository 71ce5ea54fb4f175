// Builds the lite emulator image from dist/emulator.cjs (run `npm run build` first), without
// a registry: node --import tsx emulator/build-image.ts [--tag T] [--strip]
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import Docker from 'dockerode'
import { buildLiteImage, LITE_IMAGE } from '../src/container/lite-image.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tag: { type: 'string', default: LITE_IMAGE },
      strip: { type: 'boolean', default: false },
      bundle: { type: 'string', default: join(root, 'dist/emulator.cjs') },
    },
  })
  if (!existsSync(values.bundle)) {
    throw new Error(`No bundle at ${values.bundle}; run \`npm run build\` first or pass --bundle.`)
  }

  const image = await buildLiteImage(new Docker(), {
    bundlePath: values.bundle,
    tag: values.tag,
    strip: values.strip,
  })
  const mb = (image.sizeBytes / 1e6).toFixed(1)
  console.log(`Built ${image.tag} (${image.id.slice(0, 19)}): ${mb} MB in ${image.ms} ms`)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  process.exit(1)
})
