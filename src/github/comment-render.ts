import {
  cleanText,
  codeSpan,
  escapeInline,
  fencedBlock,
  link,
  redact,
  safeUrl,
  type Tail,
  tail,
} from './markdown.js'
import type { PreviewState, RunRef } from './types.js'

export interface PreviewLink {
  label: string
  url: string
}

/** Everything a preview comment shows. */
export interface PreviewCommentContent {
  name: string
  state: PreviewState
  headSha: string
  run: RunRef
  /** The preview's address (ready). */
  url?: string
  /** Extra `label=url` pairs from the workflow (ready). */
  links?: PreviewLink[]
  expiresAt?: Date
  /** One line of explanation: why it failed, or why it was destroyed. */
  message?: string
  /** Tail of the deploy step's output (failed). */
  deployOutput?: string
  /** Tail of the instance's own logs (failed). */
  instanceLogs?: string
  /** Values to blank out of everything shown; log masking does not reach PR comments. */
  secrets?: readonly string[]
}

/** What the hidden run marker records, to keep an older run from overwriting a newer one. */
export interface RunMarker {
  sha: string
  runId: number
  attempt: number
}

const LOG_LINES = 80
const LOG_CHARS = 15_000

/** The hidden marker that names a preview's comment; unique to Ephemera. */
export function previewMarker(name: string): string {
  return `<!-- ephemera:preview name="${encodeURIComponent(name)}" -->`
}

function runMarker(sha: string, run: RunRef): string {
  return `<!-- ephemera:run sha="${encodeURIComponent(sha)}" run="${run.id}" attempt="${run.attempt}" -->`
}

/** Reads the run marker of a comment body, if it has a well-formed one. */
export function parseRunMarker(body: string): RunMarker | undefined {
  const match = /<!-- ephemera:run sha="([^"]*)" run="(\d+)" attempt="(\d+)" -->/.exec(body)
  if (!match) return undefined
  return {
    sha: decodeURIComponent(match[1] ?? ''),
    runId: Number(match[2]),
    attempt: Number(match[3]),
  }
}

const TITLES: Record<PreviewState, string> = {
  deploying: 'is deploying',
  ready: 'is ready',
  failed: 'failed to deploy',
  destroyed: 'was destroyed',
}

/** Renders the whole comment body for one preview; pure, so what it shows is testable. */
export function renderComment(c: PreviewCommentContent): string {
  const secrets = c.secrets ?? []
  const clean = (text: string): string => redact(cleanText(text), secrets)
  const lines = [previewMarker(c.name), runMarker(c.headSha, c.run)]
  lines.push(`### Preview ${codeSpan(clean(c.name))} ${TITLES[c.state]}`, '')

  if (c.state === 'ready' && c.url !== undefined) {
    const url = safeUrl(clean(c.url))
    lines.push(url ? `**${url}**` : codeSpan(clean(c.url)), '')
  }
  if (c.message) lines.push(escapeInline(clean(c.message)), '')

  lines.push('| | |', '| --- | --- |')
  lines.push(`| Commit | ${codeSpan(c.headSha.slice(0, 7))} |`)
  lines.push(`| Run | ${link(`#${c.run.id} (attempt ${c.run.attempt})`, c.run.url)} |`)
  if (c.expiresAt && c.state !== 'destroyed') {
    lines.push(`| Expires | ${formatTime(c.expiresAt)} |`)
  }
  const links = c.state === 'ready' ? (c.links ?? []) : []
  if (links.length > 0) {
    const rendered = links.map((l) => link(clean(l.label), clean(l.url)))
    lines.push(`| Links | ${rendered.join(' · ')} |`)
  }

  if (c.state === 'failed') {
    for (const [title, text] of [
      ['Deploy output', c.deployOutput],
      ['Instance logs', c.instanceLogs],
    ] as const) {
      if (text !== undefined && text.trim() !== '') {
        lines.push('', details(title, tail(clean(text), LOG_LINES, LOG_CHARS)))
      }
    }
  }
  return `${lines.join('\n')}\n`
}

function details(title: string, t: Tail): string {
  const lines = (n: number) => (n === 1 ? '1 line' : `${n} lines`)
  const count =
    t.shownLines < t.totalLines
      ? `last ${t.shownLines} of ${lines(t.totalLines)}`
      : lines(t.totalLines)
  return [
    `<details><summary>${title} (${count})</summary>`,
    '',
    fencedBlock(t.text),
    '',
    '</details>',
  ].join('\n')
}

function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}
