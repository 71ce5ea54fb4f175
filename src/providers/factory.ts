import { ensureImage } from '../container/image.js'
import { buildBundledLiteImage } from '../container/lite-bundled.js'
import { LITE_IMAGE } from '../container/lite-image.js'
import { createDockerEngine } from '../docker/engine.js'
import type { DockerProviderInputs, EcsProviderInputs, PreviewInputs } from '../inputs/preview.js'
import { ActionError } from '../util/errors.js'
import { DockerHostProvider } from './docker-host.js'
import { lazyEcsProvider } from './ecs-lazy.js'
import type { PreviewProvider } from './provider.js'

/** What preview and finish both pass; preview adds what a launch needs. */
export type ProviderInputs = {
  provider: 'docker' | 'ecs'
  docker: DockerProviderInputs
  ecs?: EcsProviderInputs | undefined
} & Partial<
  Pick<PreviewInputs, 'engine' | 'image' | 'configuration' | 'authToken' | 'waitTimeoutSeconds'>
>

/** The provider the inputs ask for, with real clients. */
export function createProvider(
  inputs: ProviderInputs,
  env: NodeJS.ProcessEnv = process.env,
): PreviewProvider {
  if (inputs.provider === 'ecs') return createEcsProvider(inputs, env)
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

function createEcsProvider(inputs: ProviderInputs, env: NodeJS.ProcessEnv): PreviewProvider {
  const ecs = inputs.ecs
  if (!ecs) throw new ActionError("Provider 'ecs' was chosen but its inputs were not read.")
  const { engine, image, configuration, authToken } = inputs
  return lazyEcsProvider(async () => {
    const [{ createEcsApi }, { EcsProvider }] = await Promise.all([
      import('../aws/ecs-sdk.js'),
      import('./ecs.js'),
    ])
    const api = createEcsApi({
      region: ecs.region,
      ecsEndpoint: ecs.ecsEndpointUrl,
      ec2Endpoint: ecs.ec2EndpointUrl,
      // Throttling and 5xx answers are retried with backoff, up to about a minute.
      maxAttempts: 8,
    })
    return new EcsProvider({
      api,
      cluster: ecs.cluster,
      ...(ecs.launch ? { launch: ecs.launch } : {}),
      ...(engine && image !== undefined && configuration && authToken !== undefined
        ? { relaunch: { engine, image, configuration, authToken, runId: env.GITHUB_RUN_ID ?? '' } }
        : {}),
      ...(ecs.ecsEndpointUrl ? { ecsEndpoint: ecs.ecsEndpointUrl } : {}),
      ...(ecs.ec2EndpointUrl ? { ec2Endpoint: ecs.ec2EndpointUrl } : {}),
      startTimeoutMs: (inputs.waitTimeoutSeconds ?? 300) * 1000,
      stopTimeoutMs: 120_000,
    })
  })
}
