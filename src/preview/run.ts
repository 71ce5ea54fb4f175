import { createHash } from 'node:crypto'
import * as core from '@actions/core'
import { EMULATOR_CREDENTIALS } from '../constants.js'
import type { GitHubApi } from '../github/api.js'
import { repoOf, runLink } from '../github/context.js'
import type { RepoRef } from '../github/types.js'
import type { PreviewInputs } from '../inputs/preview.js'
import { describeKey } from '../providers/labels.js'
import type {
  PreviewInstance,
  PreviewKey,
  PreviewProvider,
  PreviewSpec,
} from '../providers/provider.js'
import { type Clock, systemClock } from '../util/clock.js'
import { ActionError, errorMessage } from '../util/errors.js'
import { runDeploy } from './deploy.js'
import { setOutputs, writeSummary } from './outputs.js'
import { type PullRequestRef, resolvePullRequest } from './pull-request.js'
import type { PreviewReport, PreviewReporter } from './report.js'

export interface PreviewDeps {
  provider: PreviewProvider
  github: GitHubApi | undefined
  reporter: PreviewReporter
  env: NodeJS.ProcessEnv
  event: { name: string; payload: Record<string, unknown> }
  clock?: Clock
}

export type PreviewOutcome =
  | { kind: 'skipped'; reason: string }
  | { kind: 'ready'; instance: PreviewInstance; reused: boolean }
  | { kind: 'closed'; pr: number }

/** What one preview run works on, once its PR is known. */
interface PreviewRun {
  inputs: PreviewInputs
  deps: PreviewDeps
  repo: RepoRef
  pull: PullRequestRef
  key: PreviewKey
  sha: string
  expiresAt: Date
  report(r: Omit<PreviewReport, 'key' | 'sha' | 'runUrl'>): Promise<void>
}

/** Launches or reuses the PR's instance, waits until it is ready, deploys, and reports. */
export async function runPreview(
  inputs: PreviewInputs,
  deps: PreviewDeps,
): Promise<PreviewOutcome> {
  const repo = repoOf(deps.env)
  const resolved = await resolvePullRequest(
    deps.event.name,
    deps.event.payload,
    inputs.prNumber,
    repo,
    deps.github,
  )
  if (resolved.kind === 'skip') {
    core.notice(`Preview skipped: ${resolved.reason}`)
    return { kind: 'skipped', reason: resolved.reason }
  }
  const pull = resolved.pull
  if (pull.state === 'closed') {
    core.notice(`Preview skipped: PR #${pull.number} is closed.`)
    return { kind: 'skipped', reason: `PR #${pull.number} is closed` }
  }
  const key = { repository: `${repo.owner}/${repo.repo}`, pr: pull.number, name: inputs.name }
  const sha = pull.headSha || deps.env.GITHUB_SHA || ''
  const runUrl = runLink(deps.env)
  const expiresAt = new Date((deps.clock ?? systemClock).now() + inputs.lifetimeMinutes * 60_000)
  let reported = false
  const run: PreviewRun = {
    inputs,
    deps,
    repo,
    pull,
    key,
    sha,
    expiresAt,
    report: async (r) => {
      reported = r.state !== 'deploying'
      await deps.reporter.report({ key, sha, runUrl, ...r })
    },
  }
  await run.report({ state: 'deploying', expiresAt })
  try {
    return await deployPreview(run)
  } catch (error) {
    // Whatever went wrong, the comment must not stay at 'deploying'.
    if (!reported) await run.report({ state: 'failed', expiresAt, message: errorMessage(error) })
    throw error
  }
}

async function deployPreview(run: PreviewRun): Promise<PreviewOutcome> {
  const { inputs, deps, key, pull } = run
  const { instance, reused } = await readyInstance(run)
  const deployed =
    inputs.deploy === ''
      ? undefined
      : await core.group('Deploying to the preview', () =>
          runDeploy(inputs.deploy, deployEnv(instance, key), {
            tempDir: deps.env.RUNNER_TEMP ?? deps.env.TMPDIR ?? '/tmp',
            cwd: deps.env.GITHUB_WORKSPACE ?? process.cwd(),
          }),
        )
  if (await closedMeanwhile(deps.github, run.repo, pull)) {
    await deps.provider.destroy(instance, `PR #${pull.number} was closed while deploying`)
    await run.report({
      state: 'destroyed',
      message: `PR #${pull.number} was closed while the preview was deploying.`,
    })
    core.notice(`PR #${pull.number} was closed while deploying; the preview was removed.`)
    return { kind: 'closed', pr: pull.number }
  }
  setOutputs(instance, key)
  if (deployed && deployed.exitCode !== 0) {
    await run.report({
      state: 'failed',
      expiresAt: instance.expiresAt,
      url: instance.url,
      message: `The deploy commands exited with code ${deployed.exitCode}.`,
      deployOutput: deployed.tail,
      instanceLogs: await deps.provider.logs(instance, 40),
    })
    throw new ActionError(
      `The deploy commands (input 'deploy') exited with code ${deployed.exitCode}; the instance stays up until ${instance.expiresAt.toISOString()} for a look. Output tail:\n${deployed.tail.split('\n').slice(-15).join('\n')}`,
    )
  }
  await run.report({
    state: 'ready',
    expiresAt: instance.expiresAt,
    url: instance.url,
    links: deployed?.links ?? [],
  })
  await writeSummary(instance, key, reused)
  return { kind: 'ready', instance, reused }
}

/** The PR's instance, launched or reused, and ready; a failed start is reported and removed. */
async function readyInstance(
  run: PreviewRun,
): Promise<{ instance: PreviewInstance; reused: boolean }> {
  const { inputs, deps, key } = run
  const waitMs = inputs.waitTimeoutSeconds * 1000
  const spec = previewSpec(inputs, key, run.sha, deps.env, run.expiresAt)
  const { instance, reused } = await core.group(`Preparing preview ${describeKey(key)}`, () =>
    launchOrReuse(deps.provider, spec, waitMs),
  )
  const ready = await core.group(`Waiting for ${inputs.engine.name} on ${instance.endpoint}`, () =>
    deps.provider.waitUntilReady(instance, waitMs),
  )
  if (!ready.ready) {
    await run.report({
      state: 'failed',
      expiresAt: run.expiresAt,
      message: `The instance did not get ready: ${ready.reason}`,
      instanceLogs: ready.logs,
    })
    await deps.provider
      .destroy(instance, 'it never got ready')
      .catch((error: unknown) => core.warning(errorMessage(error)))
    throw new ActionError(
      `Preview instance did not get ready: ${ready.reason}. Raise 'wait-timeout' if it is just slow. Last log lines:\n${ready.logs.split('\n').slice(-10).join('\n')}`,
    )
  }
  const version = ready.version ? ` (version ${ready.version})` : ''
  core.info(
    `Instance ${instance.id.slice(0, 12)} is ready${version} at ${instance.endpoint}; ${reused ? 'reused' : 'new'}.`,
  )
  return { instance, reused }
}

/**
 * Reuses the PR's instance when it is healthy and runs the same engine, image and
 * configuration (its expiry moves out); otherwise replaces it. Overlapping runs end up on one
 * instance: the provider lets one launch win and hands the other the winner's instance.
 */
async function launchOrReuse(
  provider: PreviewProvider,
  spec: PreviewSpec,
  waitMs: number,
): Promise<{ instance: PreviewInstance; reused: boolean }> {
  const existing = (await provider.list(spec.key)).filter((i) => i.status !== 'stopped')
  const match = existing.find(
    (i) => i.configHash === spec.configHash && (i.status === 'running' || i.status === 'starting'),
  )
  // An instance that is not healthy yet may be one an overlapping run is starting: give it the
  // time a new one would get before replacing it.
  if (
    match &&
    ((await provider.isHealthy(match)) || (await provider.waitUntilReady(match, waitMs)).ready)
  ) {
    for (const other of existing.filter((i) => i.id !== match.id)) {
      await provider.destroy(other, 'a duplicate')
    }
    // A provider that cannot move an expiry out may hand back a fresh instance instead.
    const extended = await provider.extend(match, spec.expiresAt)
    const reused = extended.id === match.id
    core.info(
      reused
        ? `Reusing instance ${match.id.slice(0, 12)}: same engine, image and configuration, and healthy.`
        : `Replaced instance ${match.id.slice(0, 12)} with ${extended.id.slice(0, 12)}: its expiry could not be moved out.`,
    )
    return { instance: extended, reused }
  }
  for (const old of existing) {
    await provider.destroy(
      old,
      old.configHash === spec.configHash
        ? 'it is not healthy'
        : 'its image or configuration changed',
    )
  }
  const launched = await provider.launch(spec)
  return { instance: launched, reused: launched.runId !== spec.runId }
}

function previewSpec(
  inputs: PreviewInputs,
  key: PreviewKey,
  sha: string,
  env: NodeJS.ProcessEnv,
  expiresAt: Date,
): PreviewSpec {
  return {
    key,
    engine: inputs.engine,
    image: inputs.image,
    configuration: inputs.configuration,
    authToken: inputs.authToken,
    sha,
    runId: env.GITHUB_RUN_ID ?? '',
    expiresAt,
    configHash: configHash(inputs),
  }
}

/** What makes two instances interchangeable; the token is left out so rotating it reuses. */
export function configHash(
  inputs: Pick<PreviewInputs, 'engine' | 'image' | 'configuration'>,
): string {
  const config = Object.entries(inputs.configuration).sort(([a], [b]) => a.localeCompare(b))
  const text = JSON.stringify([inputs.engine.name, inputs.image, config])
  return createHash('sha256').update(text).digest('hex').slice(0, 16)
}

function deployEnv(instance: PreviewInstance, key: PreviewKey): Record<string, string> {
  return {
    ...EMULATOR_CREDENTIALS,
    AWS_ENDPOINT_URL: instance.endpoint,
    PREVIEW_URL: instance.url,
    PREVIEW_PR: String(key.pr),
    PREVIEW_NAME: key.name,
  }
}

async function closedMeanwhile(
  github: GitHubApi | undefined,
  repo: RepoRef,
  pull: PullRequestRef,
): Promise<boolean> {
  if (!github) return false
  try {
    return (await github.getPull(repo, pull.number)).state === 'closed'
  } catch (error) {
    core.warning(`Could not check whether PR #${pull.number} is still open: ${errorMessage(error)}`)
    return false
  }
}
