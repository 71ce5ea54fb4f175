import * as core from '@actions/core'
import type { EngineProfile } from '../engines.js'
import { InputError } from '../util/errors.js'

// Readers for single inputs. Defaults live in action.yml only: the runner fills them in, so an
// empty value here means the user set it empty on purpose, and required ones fail.

export function readRequired(name: string): string {
  const raw = core.getInput(name)
  if (raw === '')
    throw new InputError(`Input '${name}' is empty; set a value or remove it to use the default.`)
  return raw
}

export function readChoice<T extends string>(name: string, accepted: readonly T[]): T {
  const raw = readRequired(name)
  const value = raw.toLowerCase()
  if (!(accepted as readonly string[]).includes(value)) {
    throw new InputError(
      `Input '${name}' got '${raw}'; accepted values are ${accepted.join(', ')}.`,
    )
  }
  return value as T
}

export function readBoolean(name: string): boolean {
  const raw = readRequired(name)
  const value = raw.toLowerCase()
  if (value === 'true') return true
  if (value === 'false') return false
  throw new InputError(`Input '${name}' got '${raw}'; accepted values are true and false.`)
}

export function readWholeNumber(name: string, min: number, max: number, unit: string): number {
  const raw = readRequired(name)
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new InputError(
      `Input '${name}' expects whole ${unit} from ${min} to ${max}, got '${raw}'.`,
    )
  }
  return value
}

export function readPort(name: string): number {
  return readWholeNumber(name, 1, 65535, 'port number')
}

/** Entries separated by newlines, commas or spaces, without empty ones. */
export function splitList(raw: string): string[] {
  return raw.split(/[\s,]+/).filter((entry) => entry !== '')
}

/** Entries one per line, for values that may hold spaces or commas (paths). */
export function splitLines(raw: string): string[] {
  return raw
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
}

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Parses `KEY=VALUE` entries separated by newlines, spaces or commas. A comma piece without `=`
 * continues the value before it, so `SERVICES=s3,dynamodb` keeps its list. Anything else fails
 * with the offending entry named, so a typo never reaches the emulator as a silent no-op.
 */
export function parseConfiguration(name: string, raw: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const token of raw.split(/\s+/).filter((t) => t !== '')) {
    let key = ''
    for (const piece of token.split(',')) {
      if (piece === '') continue
      const eq = piece.indexOf('=')
      if (eq === -1 && key !== '') {
        env[key] = `${env[key]},${piece}`
        continue
      }
      key = eq > 0 ? piece.slice(0, eq) : ''
      if (!ENV_KEY.test(key)) {
        throw new InputError(
          `Input '${name}' has an entry '${piece}' that is not KEY=VALUE; keys are letters, digits and underscores, entries are separated by newlines, spaces or commas.`,
        )
      }
      env[key] = piece.slice(eq + 1)
    }
  }
  return env
}

/**
 * The engine's auth token: input 'auth-token', else the engine's own environment variable
 * (LOCALSTACK_AUTH_TOKEN), masked before anything can print it.
 */
export function readEngineToken(engine: EngineProfile, env: NodeJS.ProcessEnv): string {
  const token = core.getInput('auth-token') || (engine.tokenEnv ? (env[engine.tokenEnv] ?? '') : '')
  if (token !== '') core.setSecret(token)
  return token
}
