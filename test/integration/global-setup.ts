import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import Docker from 'dockerode'
import { buildLiteImage, LITE_IMAGE, liteImageIsCurrent } from '../../src/container/lite-image.js'
import { dockerUnavailableReason } from '../helpers/docker.js'
import { ROOT } from '../helpers/run-action.js'

const CREATED_BY_TESTS = ['ephemera.tool=ephemera', 'ephemera.test=1']

/**
 * Builds the bundles the tests run, and the lite emulator image when it is missing or was built
 * from another bundle. After the
 * run it removes every container the tests or the actions under test created, found by label.
 */
export async function setup(): Promise<void> {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' })
  if (dockerUnavailableReason() !== '') return
  const docker = new Docker()
  const bundlePath = join(ROOT, 'dist/emulator.cjs')
  if (!(await liteImageIsCurrent(docker, bundlePath, LITE_IMAGE))) {
    const built = await buildLiteImage(docker, { bundlePath })
    console.log(`built ${built.tag} (${(built.sizeBytes / 1e6).toFixed(1)} MB) in ${built.ms} ms`)
  }
}

export async function teardown(): Promise<void> {
  if (dockerUnavailableReason() !== '') return
  const docker = new Docker()
  for (const label of CREATED_BY_TESTS) {
    const left = await docker.listContainers({ all: true, filters: { label: [label] } })
    for (const c of left) {
      // Under CI nothing else uses the engine; on a developer machine another test run may
      // own the container, so it is only named.
      if (process.env.CI) {
        console.warn(`removing container left behind: ${c.Names[0]} (${c.Image})`)
        await docker.getContainer(c.Id).remove({ force: true })
      } else {
        console.warn(
          `container left behind (remove it with docker rm -f ${c.Id.slice(0, 12)}): ${c.Names[0]}`,
        )
      }
    }
  }
}
