import * as core from '@actions/core'
import { repoOf, runLink } from '../github/context.js'
import type { FinishInputs } from '../inputs/finish.js'
import { resolvePullRequest } from '../preview/pull-request.js'
import type { PreviewDeps } from '../preview/run.js'
import { describeKey } from '../providers/labels.js'
import type { PreviewInstance, PreviewProvider } from '../providers/provider.js'
import { systemClock } from '../util/clock.js'
import { ActionError, errorMessage } from '../util/errors.js'

/** Finish works with what preview works with. */
export type FinishDeps = PreviewDeps

export interface SweepDecision {
  instance: PreviewInstance
  action: 'removed' | 'kept' | 'would remove' | 'failed'
  reason: string
}

export interface FinishResult {
  removed: number
  kept: number
  decisions: SweepDecision[]
}

/** Runs the finish mode the inputs (or the event) chose. */
export async function runFinish(inputs: FinishInputs, deps: FinishDeps): Promise<FinishResult> {
  core.setOutput('mode', inputs.mode)
  const result =
    inputs.mode === 'sweep'
      ? await sweep(inputs, deps)
      : inputs.mode === 'teardown'
        ? await teardown(inputs, deps)
        : await finalize(inputs, deps)
  core.setOutput('removed', String(result.removed))
  core.setOutput('kept', String(result.kept))
  return result
}

/** The PR this run is about and its previews (of one name, when given). */
async function previewsOfPull(
  inputs: FinishInputs,
  deps: FinishDeps,
): Promise<{ pr: number; repository: string; instances: PreviewInstance[] } | undefined> {
  const resolved = await resolvePullRequest(
    deps.event.name,
    deps.event.payload,
    inputs.prNumber,
    repoOf(deps.env),
    deps.github,
  )
  if (resolved.kind === 'skip') {
    core.notice(`Nothing to ${inputs.mode}: ${resolved.reason}`)
    return undefined
  }
  const pr = resolved.pull.number
  const repository = deps.env.GITHUB_REPOSITORY ?? ''
  const name = inputs.name ? { name: inputs.name } : {}
  return { pr, repository, instances: await deps.provider.list({ repository, pr, ...name }) }
}

const NOTHING: FinishResult = { removed: 0, kept: 0, decisions: [] }

/** The PR's comment (and deployment) take the job's final status. */
async function finalize(inputs: FinishInputs, deps: FinishDeps): Promise<FinishResult> {
  const found = await previewsOfPull(inputs, deps)
  if (!found) return NOTHING
  const { pr, repository, instances } = found
  const status = inputs.status ?? 'success'
  if (instances.length === 0) {
    const name = inputs.name ?? 'default'
    core.info(
      `PR #${pr} has no running preview '${name}'; marking its comment as failed (${status}).`,
    )
    await deps.reporter.report({
      state: 'failed',
      key: { repository, pr, name },
      sha: deps.env.GITHUB_SHA ?? '',
      runUrl: runLink(deps.env),
      message: `The workflow ended (${status}) without a running preview.`,
    })
    return { removed: 0, kept: 0, decisions: [] }
  }
  for (const instance of instances) {
    const healthy = await deps.provider.isHealthy(instance)
    await deps.reporter.report({
      state: healthy ? 'ready' : 'failed',
      key: instance.key,
      sha: instance.sha,
      runUrl: runLink(deps.env),
      expiresAt: instance.expiresAt,
      url: instance.url,
      message: healthy
        ? `The workflow finished: ${status}.`
        : `The workflow finished (${status}) and the instance no longer answers.`,
    })
  }
  return { removed: 0, kept: instances.length, decisions: [] }
}

/** Removes the PR's previews when it closes, and marks their comments and deployments. */
async function teardown(inputs: FinishInputs, deps: FinishDeps): Promise<FinishResult> {
  const found = await previewsOfPull(inputs, deps)
  if (!found) return NOTHING
  const { pr, repository, instances } = found
  const decisions = await removeAll(instances, `PR #${pr} was closed`, deps.provider)
  const names = new Set(instances.map((i) => i.key.name))
  if (inputs.name) names.add(inputs.name)
  for (const name of names) {
    const instance = instances.find((i) => i.key.name === name)
    await deps.reporter.report({
      state: 'destroyed',
      key: { repository, pr, name },
      sha: instance?.sha ?? deps.env.GITHUB_SHA ?? '',
      runUrl: runLink(deps.env),
      message: `Removed because PR #${pr} was closed.`,
    })
  }
  if (instances.length === 0) core.info(`PR #${pr} has no previews left to remove.`)
  return finishRemovals(decisions)
}

/** Removes previews past their expiry or whose PR is no longer open. */
async function sweep(inputs: FinishInputs, deps: FinishDeps): Promise<FinishResult> {
  const clock = deps.clock ?? systemClock
  const repo = repoOf(deps.env)
  const repository = `${repo.owner}/${repo.repo}`
  const instances = await deps.provider.list({ repository })
  let open: Set<number> | undefined
  if (deps.github) {
    // One paged listing of open PRs instead of one call per instance.
    open = new Set((await deps.github.listPulls(repo, { state: 'open' })).map((p) => p.number))
  } else {
    core.warning(
      "Input 'github-token' is empty, so PR states cannot be read; sweep removes expired previews only.",
    )
  }
  const now = clock.now()
  const decisions: SweepDecision[] = []
  const stale: Array<{ instance: PreviewInstance; reason: string }> = []
  for (const instance of instances) {
    const reason = staleReason(instance, now, open)
    if (!reason) {
      decisions.push({
        instance,
        action: 'kept',
        reason: `PR #${instance.key.pr} is open; expires ${instance.expiresAt.toISOString()}`,
      })
    } else if (inputs.dryRun) {
      decisions.push({ instance, action: 'would remove', reason })
    } else {
      stale.push({ instance, reason })
    }
  }
  const removed = await removeEach(stale, deps.provider)
  decisions.push(...removed)
  await markClosedPulls(removed, open, deps)
  await writeSweepSummary(decisions, inputs.dryRun)
  const result = finishRemovals(decisions)
  core.info(
    `Sweep: ${result.removed} removed, ${result.kept} kept${inputs.dryRun ? ' (dry run)' : ''}.`,
  )
  return result
}

/**
 * A preview the sweep removed because its PR closed means the teardown workflow did not run:
 * its comment and deployment are marked as teardown would have. Expired previews keep theirs,
 * which already show the expiry time.
 */
async function markClosedPulls(
  removed: SweepDecision[],
  open: Set<number> | undefined,
  deps: FinishDeps,
): Promise<void> {
  if (!open) return
  for (const d of removed.filter((r) => r.action === 'removed' && !open.has(r.instance.key.pr))) {
    if (d.instance.expiresAt.getTime() <= (deps.clock ?? systemClock).now()) continue
    await deps.reporter.report({
      state: 'destroyed',
      key: d.instance.key,
      sha: d.instance.sha,
      runUrl: runLink(deps.env),
      message: `Removed by a sweep: ${d.reason}.`,
    })
  }
}

function staleReason(
  instance: PreviewInstance,
  now: number,
  open: Set<number> | undefined,
): string | undefined {
  if (instance.expiresAt.getTime() <= now) return `expired at ${instance.expiresAt.toISOString()}`
  if (open && !open.has(instance.key.pr)) return `PR #${instance.key.pr} is no longer open`
  if (instance.status === 'stopped') return 'it has stopped'
  return undefined
}

async function removeAll(
  instances: PreviewInstance[],
  reason: string,
  provider: PreviewProvider,
): Promise<SweepDecision[]> {
  return removeEach(
    instances.map((instance) => ({ instance, reason })),
    provider,
  )
}

/** Removes up to 32 at a time: each removal mostly waits on the provider (the engine, ECS). */
async function removeEach(
  items: Array<{ instance: PreviewInstance; reason: string }>,
  provider: PreviewProvider,
): Promise<SweepDecision[]> {
  const decisions: SweepDecision[] = []
  const queue = [...items]
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      try {
        await provider.destroy(item.instance, item.reason)
        decisions.push({ ...item, action: 'removed' })
      } catch (error) {
        core.warning(
          `Could not remove preview ${describeKey(item.instance.key)}: ${errorMessage(error)}`,
        )
        decisions.push({
          ...item,
          action: 'failed',
          reason: `${item.reason}; removal failed: ${errorMessage(error)}`,
        })
      }
    }
  }
  await Promise.all(Array.from({ length: 32 }, worker))
  return decisions
}

function finishRemovals(decisions: SweepDecision[]): FinishResult {
  const failed = decisions.filter((d) => d.action === 'failed')
  const result = {
    removed: decisions.filter((d) => d.action === 'removed').length,
    kept: decisions.filter((d) => d.action === 'kept' || d.action === 'would remove').length,
    decisions,
  }
  if (failed.length > 0) {
    throw new ActionError(
      `${failed.length} preview(s) could not be removed: ${failed.map((d) => `${describeKey(d.instance.key)} (${d.instance.id.slice(0, 12)})`).join(', ')}. The warnings above say how to remove them by hand.`,
    )
  }
  return result
}

async function writeSweepSummary(decisions: SweepDecision[], dryRun: boolean): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  const rows = [...decisions]
    .sort(
      (a, b) =>
        a.instance.key.pr - b.instance.key.pr ||
        a.instance.key.name.localeCompare(b.instance.key.name),
    )
    .map((d) => [
      `#${d.instance.key.pr}`,
      d.instance.key.name,
      `<code>${d.instance.id.slice(0, 12)}</code>`,
      d.action,
      d.reason,
    ])
  await core.summary
    .addHeading(`Preview sweep${dryRun ? ' (dry run)' : ''}`, 3)
    .addTable([
      ['PR', 'Preview', 'Instance', 'Action', 'Why'].map((data) => ({ data, header: true })),
      ...rows,
    ])
    .write()
}
