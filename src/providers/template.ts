import { InputError } from '../util/errors.js'

export interface TemplateValues {
  /** DNS-safe name unique to the preview: repo-pr<N>-<preview name>. */
  name: string
  pr: string
  /** DNS-safe repository name. */
  repo: string
  preview: string
  host: string
  port: string
}

const KNOWN = new Set(['name', 'pr', 'repo', 'preview', 'host', 'port'])

/** Lower-case letters, digits and dashes only, as host names and container names allow. */
export function slug(text: string, max = 40): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/g, '')
}

/** Fails on a placeholder we do not know, naming the input, so a typo is never left in a URL. */
export function checkTemplate(input: string, template: string): void {
  for (const [, key] of template.matchAll(/\{([^}]*)\}/g)) {
    if (!KNOWN.has(key ?? '')) {
      throw new InputError(
        `Input '${input}' uses '{${key}}'; known placeholders are ${[...KNOWN].map((k) => `{${k}}`).join(', ')}.`,
      )
    }
  }
}

export function fillTemplate(template: string, values: TemplateValues): string {
  return template.replace(
    /\{(name|pr|repo|preview|host|port)\}/g,
    (_, key: keyof TemplateValues) => values[key],
  )
}
