import type { EngineProfile } from '../engines.js'
import { getText } from '../util/http.js'

/** One look at the emulator: ready or not, and what it said. */
export interface Probe {
  ready: boolean
  /** Short text for the "last seen" part of a timeout message. */
  detail: string
  version?: string
  services?: Record<string, string>
}

type HttpAnswer = Awaited<ReturnType<typeof getText>>

/** A GET on loopback, for readiness probes and for the demo and tests. */
export function httpGet(url: string, timeoutMs: number): Promise<HttpAnswer> {
  return getText(url, { timeoutMs })
}

/** Asks the emulator once whether it is ready, as its engine profile says to. */
export async function probeEmulator(
  baseUrl: string,
  profile: EngineProfile,
  timeoutMs = 2000,
): Promise<Probe> {
  let health: HttpAnswer
  try {
    health = await httpGet(baseUrl + profile.healthPath, timeoutMs)
  } catch (error) {
    const code = (error as { code?: string }).code
    return { ready: false, detail: `${profile.healthPath}: ${code ?? (error as Error).message}` }
  }
  if (profile.readiness === 'http-ok') {
    const ok = health.status >= 200 && health.status < 300
    return { ready: ok, detail: `${profile.healthPath} answered ${health.status}` }
  }
  return probeLocalStackContract(baseUrl, profile, health, timeoutMs)
}

async function probeLocalStackContract(
  baseUrl: string,
  profile: EngineProfile,
  health: HttpAnswer,
  timeoutMs: number,
): Promise<Probe> {
  if (health.status !== 200) {
    return { ready: false, detail: `${profile.healthPath} answered ${health.status}` }
  }
  const parsed = parseJson(health.body) as { services?: Record<string, string>; version?: string }
  const services = parsed?.services ?? {}
  const failed = Object.entries(services).filter(([, status]) => status === 'error')
  const base: Probe = {
    ready: false,
    detail: `services ${describeServices(services)}`,
    services,
    ...(parsed?.version ? { version: parsed.version } : {}),
  }
  if (failed.length > 0) return base
  // Health answers before init hooks have run; init/ready says when they have.
  let init: HttpAnswer
  try {
    init = await httpGet(`${baseUrl}/_localstack/init/ready`, timeoutMs)
  } catch {
    return { ...base, detail: `${base.detail}; init/ready not answering` }
  }
  const completed = (parseJson(init.body) as { completed?: boolean } | undefined)?.completed
  if (init.status !== 200 || completed !== true) {
    return { ...base, detail: `${base.detail}; init scripts still running` }
  }
  return { ...base, ready: true }
}

export function describeServices(services: Record<string, string>): string {
  const entries = Object.entries(services)
  if (entries.length === 0) return '(none listed)'
  return entries.map(([name, status]) => `${name}=${status}`).join(', ')
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
