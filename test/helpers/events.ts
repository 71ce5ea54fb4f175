import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

interface ExampleGroup {
  name: string
  examples: Array<Record<string, unknown> & { action?: string }>
}

/**
 * GitHub's own example payload for an event (and action), deep-copied so a test can change it.
 * Throws when GitHub publishes no such example, so a typo never yields an empty event.
 */
export function exampleEvent(name: string, action?: string): Record<string, unknown> {
  const groups = require('@octokit/webhooks-examples') as ExampleGroup[]
  const group = groups.find((g) => g.name === name)
  const example = group?.examples.find((e) => action === undefined || e.action === action)
  if (!example)
    throw new Error(`No example payload for event '${name}'${action ? ` action '${action}'` : ''}`)
  return structuredClone(example)
}
