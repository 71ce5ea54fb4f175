// Extracts the response schemas of the GitHub endpoints the loopback server plays from GitHub's
// OpenAPI description (package @octokit/openapi, file generated/api.github.com.json), into a
// small fixture the unit tests validate the server's answers against. The full description is
// hundreds of megabytes installed, so it is read once from an unpacked tarball, not depended on:
//
//   npm pack @octokit/openapi@23.0.1        # the version @octokit/openapi-types 29.0.1 was built from
//   tar xzf octokit-openapi-23.0.1.tgz package/generated/api.github.com.json
//   node --import tsx scripts/extract-github-schemas.ts package/generated/api.github.com.json
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Method, path template and status of every answer the loopback server gives. */
export const OPERATIONS: Array<[string, string, string]> = [
  ['GET', '/repos/{owner}/{repo}/issues/{issue_number}/comments', '200'],
  ['POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', '201'],
  ['POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', '403'],
  ['POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', '404'],
  ['POST', '/repos/{owner}/{repo}/issues/{issue_number}/comments', '422'],
  ['GET', '/repos/{owner}/{repo}/issues/comments/{comment_id}', '200'],
  ['PATCH', '/repos/{owner}/{repo}/issues/comments/{comment_id}', '200'],
  ['PATCH', '/repos/{owner}/{repo}/issues/comments/{comment_id}', '422'],
  ['GET', '/repos/{owner}/{repo}/pulls/{pull_number}', '200'],
  ['GET', '/repos/{owner}/{repo}/pulls/{pull_number}', '404'],
  ['GET', '/repos/{owner}/{repo}/pulls', '200'],
  ['GET', '/repos/{owner}/{repo}/deployments', '200'],
  ['POST', '/repos/{owner}/{repo}/deployments', '201'],
  ['POST', '/repos/{owner}/{repo}/deployments', '422'],
  ['GET', '/repos/{owner}/{repo}/deployments/{deployment_id}', '200'],
  ['DELETE', '/repos/{owner}/{repo}/deployments/{deployment_id}', '422'],
  ['GET', '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses', '200'],
  ['POST', '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses', '201'],
  ['POST', '/repos/{owner}/{repo}/deployments/{deployment_id}/statuses', '422'],
  ['GET', '/user', '200'],
  ['GET', '/user', '401'],
  ['GET', '/user', '403'],
]

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

// Only the keywords a response check uses; descriptions and examples would triple the size.
const KEEP = new Set([
  '$ref',
  'type',
  'nullable',
  'enum',
  'properties',
  'required',
  'items',
  'oneOf',
  'anyOf',
  'allOf',
  'additionalProperties',
  'format',
  'default',
])

function prune(node: Json, refs: Set<string>): Json {
  if (Array.isArray(node)) return node.map((n) => prune(n, refs))
  if (node === null || typeof node !== 'object') return node
  const out: { [key: string]: Json } = {}
  for (const [key, value] of Object.entries(node)) {
    if (!KEEP.has(key)) continue
    if (key === '$ref' && typeof value === 'string') refs.add(value)
    // Property names are data, not keywords: keep them all, pruning their schemas.
    out[key] =
      key === 'properties' && value && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, prune(v, refs)]))
        : prune(value, refs)
  }
  return out
}

function at(spec: Json, parts: string[]): Json {
  let node: Json = spec
  for (const part of parts) {
    if (!node || typeof node !== 'object' || Array.isArray(node)) node = null
    else node = node[part] ?? null
  }
  if (node === null) throw new Error(`nothing at ${parts.join(' > ')}`)
  return node
}

function lookup(spec: Json, ref: string): Json {
  return at(spec, ref.replace(/^#\//, '').split('/'))
}

function main(specPath: string): void {
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as Json
  const refs = new Set<string>()
  const operations: Record<string, Json> = {}
  for (const [method, path, status] of OPERATIONS) {
    const response = resolveResponse(
      spec,
      at(spec, ['paths', path, method.toLowerCase(), 'responses', status]),
    )
    const content = (response as { content?: Record<string, { schema: Json }> }).content
    const schema = content?.['application/json']?.schema
    if (!schema) throw new Error(`no JSON schema for ${method} ${path} ${status}`)
    operations[`${method} ${path} ${status}`] = prune(schema, refs)
  }

  // Follow $refs until the set of schemas is closed.
  const schemas: Record<string, Json> = {}
  const pending = [...refs]
  while (pending.length > 0) {
    const ref = pending.pop() as string
    const name = ref.replace('#/components/schemas/', '')
    if (name in schemas) continue
    const found = new Set<string>()
    schemas[name] = prune(lookup(spec, ref), found)
    pending.push(...found)
  }

  const fixture = {
    source:
      '@octokit/openapi 23.0.1, generated/api.github.com.json (pruned to validation keywords)',
    operations,
    schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
  }
  const root = join(dirname(fileURLToPath(import.meta.url)), '..')
  const out = join(root, 'test/fixtures/github/openapi-responses.json')
  writeFileSync(out, `${JSON.stringify(fixture, null, 1)}\n`)
  console.log(
    `Wrote ${Object.keys(operations).length} operations and ${Object.keys(schemas).length} schemas.`,
  )
}

function resolveResponse(spec: Json, response: Json): Json {
  const ref = (response as { $ref?: string }).$ref
  return ref ? lookup(spec, ref) : response
}

const specPath = process.argv[2]
if (!specPath) {
  console.error('usage: node --import tsx scripts/extract-github-schemas.ts <api.github.com.json>')
  process.exit(2)
}
main(specPath)
