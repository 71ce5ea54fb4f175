import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as core from '@actions/core'
import { type DockerEngine, dockerodeOf } from '../docker/engine.js'
import { ActionError } from '../util/errors.js'
import { buildLiteImage, LITE_IMAGE } from './lite-image.js'

/**
 * Builds the lite image on the engine from the emulator bundle that ships beside this action's
 * bundles in dist/, and the runner's own Node binary, so `engine: lite` needs no registry.
 */
export async function buildBundledLiteImage(
  docker: DockerEngine,
  tag: string = LITE_IMAGE,
): Promise<void> {
  const bundlePath = join(dirname(fileURLToPath(import.meta.url)), 'emulator.cjs')
  if (!existsSync(bundlePath)) {
    throw new ActionError(
      `The lite emulator bundle is missing at ${bundlePath}; the action's dist/ is incomplete.`,
    )
  }
  const client = dockerodeOf(docker)
  if (!client) throw new ActionError('Building the lite image needs a Docker engine client.')
  const built = await buildLiteImage(client, { bundlePath, tag })
  core.info(
    `Built ${built.tag} (${(built.sizeBytes / 1024 / 1024).toFixed(1)} MB) in ${built.ms} ms from ${process.execPath}.`,
  )
}
