import { vi } from 'vitest'
import { type ActionName, readActionYaml } from './run-action.js'

/**
 * Sets INPUT_* for an action as the runner would: the given values over the defaults that
 * action.yml declares. Undo with vi.unstubAllEnvs().
 */
export function stubInputs(action: ActionName, given: Record<string, string>): void {
  const yaml = readActionYaml(action)
  for (const name of Object.keys(given)) {
    if (!yaml.inputs?.[name]) throw new Error(`action.yml declares no input '${name}'`)
  }
  for (const [name, spec] of Object.entries(yaml.inputs ?? {})) {
    vi.stubEnv(`INPUT_${name.toUpperCase()}`, given[name] ?? spec.default ?? '')
  }
}
