import { ensureImage } from '../container/image.js'
import { buildBundledLiteImage } from '../container/lite-bundled.js'
import { LITE_IMAGE } from '../container/lite-image.js'
import { createDockerEngine } from '../docker/engine.js'
import type { DockerProviderInputs } from '../inputs/preview.js'
import { DockerHostProvider } from './docker-host.js'
import type { PreviewProvider } from './provider.js'

/** The provider the inputs ask for, with real clients. */
export function createProvider(inputs: {
  provider: 'docker'
  docker: DockerProviderInputs
}): PreviewProvider {
  const d = inputs.docker
  const docker = createDockerEngine({ ...process.env, DOCKER_HOST: d.dockerHost })
  return new DockerHostProvider({
    docker,
    network: d.network,
    portRange: d.portRange,
    urlTemplate: d.urlTemplate,
    labelTemplates: d.labels,
    host: d.host,
    publicHost: d.publicHost,
    reaperImage: LITE_IMAGE,
    ensureImage: async (ref) => {
      await ensureImage(docker, ref, {
        policy: 'missing',
        // The lite image (also the reapers' image) is built on the spot, never pulled.
        ...(ref === LITE_IMAGE ? { build: () => buildBundledLiteImage(docker, ref) } : {}),
      })
    },
  })
}
