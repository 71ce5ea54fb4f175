// Safe Markdown pieces for PR comments. Everything shown can come from a user's deploy
// output or configuration, so nothing is pasted raw: text is escaped, logs are fenced.

// ANSI colour and cursor sequences (CSI and OSC); logs from containers are full of them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point
const ANSI = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])/g
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g

/** Removes terminal escapes and control characters, keeping tabs and newlines. */
export function cleanText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(ANSI, '').replace(CONTROL, '')
}

/** Replaces each secret with `***`, longest first so overlapping values leave no tail. */
export function redact(text: string, secrets: readonly string[]): string {
  const sorted = secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length)
  return sorted.reduce((out, secret) => out.split(secret).join('***'), text)
}

/** Escapes text for inline Markdown (also inside a table cell): no links, HTML or emphasis. */
export function escapeInline(text: string): string {
  return cleanText(text)
    .replace(/\s+/g, ' ')
    .replace(/[\\`*_{}[\]()<>#+!|~&]/g, (c) => `\\${c}`)
}

/** A code span that holds any text, using a backtick run longer than any inside it. */
export function codeSpan(text: string): string {
  const clean = cleanText(text).replace(/\s+/g, ' ')
  const longest = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length))
  const ticks = '`'.repeat(longest + 1)
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : ''
  return `${ticks}${pad}${clean}${pad}${ticks}`
}

/** A fenced block whose fence is longer than any backtick run in the text, so it cannot close early. */
export function fencedBlock(text: string, info = 'text'): string {
  const longest = Math.max(0, ...(text.match(/`{3,}/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(Math.max(3, longest + 1))
  return `${fence}${info}\n${text.replace(/\n+$/, '')}\n${fence}`
}

/**
 * An http(s) URL made safe for a Markdown link destination and a table cell, or undefined
 * when the value is not one (a `javascript:` link never becomes clickable).
 */
export function safeUrl(value: string): string | undefined {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  return url.href.replace(/[()|<>\s`]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** A link, or the escaped text of the value when it is not a usable URL. */
export function link(label: string, value: string): string {
  const url = safeUrl(value)
  return url ? `[${escapeInline(label)}](${url})` : `${escapeInline(label)}: ${codeSpan(value)}`
}

export interface Tail {
  text: string
  shownLines: number
  totalLines: number
}

/** The last lines of `text`, at most `maxLines` and `maxChars`, cut at a line start. */
export function tail(text: string, maxLines: number, maxChars: number): Tail {
  const lines = cleanText(text).replace(/\n+$/, '').split('\n')
  let shown = lines.slice(-maxLines)
  while (shown.length > 1 && shown.join('\n').length > maxChars) shown = shown.slice(1)
  let joined = shown.join('\n')
  // One enormous line: keep its end, which is usually where the error is.
  if (joined.length > maxChars) joined = `…${joined.slice(-(maxChars - 1))}`
  return { text: joined, shownLines: shown.length, totalLines: lines.length }
}
