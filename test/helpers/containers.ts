import Docker from 'dockerode'

export const docker = new Docker()

/** Containers with every one of these labels, running or not. */
export async function containersLabelled(
  labels: Record<string, string>,
): Promise<Docker.ContainerInfo[]> {
  const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`)
  return docker.listContainers({ all: true, filters: { label } })
}

/**
 * Makes a test image from the lite image with another command, for emulators that crash
 * during boot or never get ready. The image is labelled so teardown can find it.
 */
export async function deriveImage(from: string, tag: string, cmd: string[]): Promise<void> {
  const container = await docker.createContainer({
    Image: from,
    Cmd: cmd,
    Labels: { 'ephemera.test': '1' },
  })
  try {
    const [repo, version] = tag.split(':')
    await container.commit({
      repo,
      tag: version ?? 'latest',
      changes: [`CMD ${JSON.stringify(cmd)}`],
    })
  } finally {
    await container.remove({ force: true })
  }
}

export async function removeImage(tag: string): Promise<void> {
  await docker
    .getImage(tag)
    .remove({ force: true })
    .catch(() => undefined)
}
