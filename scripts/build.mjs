// Bundles each entry point into one CommonJS file under dist/, the way the runner loads it.
// The bundles are committed, so output must be byte-stable: esbuild is pinned exactly and
// nothing here depends on the machine (no absolute paths, no timestamps).
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

// Entry name -> source. The lite emulator is bundled too, so the setup action can build its
// image on a runner with no registry access.
const entries = {
  setup: 'src/entry/setup.ts',
  'setup-post': 'src/entry/setup-post.ts',
  preview: 'src/entry/preview.ts',
  'preview-post': 'src/entry/preview-post.ts',
  finish: 'src/entry/finish.ts',
  emulator: 'emulator/src/main.ts',
}

// dockerode reaches these only for ssh:// hosts and BuildKit sessions, neither of which we
// use; their native add-ons would break the bundle. undici: see scripts/stubs/undici.cjs.
const empty = join(root, 'scripts/stubs/empty.cjs')
const alias = {
  undici: join(root, 'scripts/stubs/undici.cjs'),
  ssh2: empty,
  'cpu-features': empty,
  '@grpc/grpc-js': empty,
  '@grpc/proto-loader': empty,
  protobufjs: empty,
  // dynalite imports `level` (native LevelDB) at load time; the lite emulator only uses its
  // in-memory store.
  level: empty,
}

const outdir = join(root, 'dist')
rmSync(outdir, { recursive: true, force: true })
mkdirSync(outdir, { recursive: true })

const present = Object.entries(entries).filter(([, src]) => existsSync(join(root, src)))
await Promise.all(
  present.map(([name, src]) =>
    build({
      absWorkingDir: root,
      entryPoints: [src],
      outfile: join('dist', `${name}.cjs`),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: false,
      sourcemap: false,
      legalComments: 'none',
      alias,
      logLevel: 'warning',
      // import.meta.url has no meaning in CJS output; give it one that points at the bundle.
      define: { 'import.meta.url': 'importMetaUrl' },
      banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    }),
  ),
)
console.log(`built ${present.map(([n]) => `dist/${n}.cjs`).join(', ')}`)
