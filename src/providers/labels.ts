import { createHash } from 'node:crypto'
import { LABELS, TOOL } from '../constants.js'
import { ENGINE_NAMES, type EngineName } from '../engines.js'
import type { InstanceStatus, PreviewKey } from './provider.js'
import { slug } from './template.js'

// The labels (Docker) or tags (ECS) that identify a preview, shared by every provider.

/** The container name of a preview: the same for every run, unique per repository, PR and name. */
export function instanceName(key: PreviewKey): string {
  const repo = slug(key.repository.split('/')[1] ?? key.repository, 30)
  const owner = createHash('sha256').update(key.repository).digest('hex').slice(0, 6)
  return `ephemera-${repo}-pr${key.pr}-${slug(key.name, 20)}-${owner}`
}

/** The labels every container of a preview carries. */
export function keyLabels(key: PreviewKey): Record<string, string> {
  return {
    [LABELS.tool]: TOOL,
    [LABELS.repository]: key.repository,
    [LABELS.pr]: String(key.pr),
    [LABELS.name]: key.name,
  }
}

/** The preview a container belongs to, read back from its labels. */
export function keyOf(labels: Record<string, string>): PreviewKey {
  return {
    repository: labels[LABELS.repository] ?? '',
    pr: Number(labels[LABELS.pr] ?? 0),
    name: labels[LABELS.name] ?? '',
  }
}

/** The engine a label names; LocalStack, the default, when it names none we know. */
export function engineName(label: string | undefined): EngineName {
  return (ENGINE_NAMES as readonly string[]).includes(label ?? '')
    ? (label as EngineName)
    : 'localstack'
}

/** A Docker container state as the provider interface says it. */
export function instanceStatus(state: string): InstanceStatus {
  if (state === 'running') return 'running'
  if (state === 'created' || state === 'restarting') return 'starting'
  if (state === 'removing' || state === 'paused') return 'stopping'
  return 'stopped'
}

/** How messages name a preview: owner/repo#PR 'name'. */
export function describeKey(key: PreviewKey): string {
  return `${key.repository}#${key.pr} '${key.name}'`
}
