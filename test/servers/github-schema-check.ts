// Checks JSON values against the OpenAPI 3.0 response schemas extracted from GitHub's REST
// description (test/fixtures/github/openapi-responses.json). It covers the keywords those
// schemas use: $ref, type, nullable, enum, required, properties, additionalProperties, items,
// allOf/anyOf/oneOf, default, and the uri and date-time formats.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface Schema {
  $ref?: string
  type?: string
  nullable?: boolean
  enum?: unknown[]
  required?: string[]
  properties?: Record<string, Schema>
  additionalProperties?: boolean | Schema
  items?: Schema
  allOf?: Schema[]
  anyOf?: Schema[]
  oneOf?: Schema[]
  format?: string
  default?: unknown
}

export interface ResponseSchemas {
  source: string
  /** Keyed by `METHOD /path/{template} STATUS`. */
  operations: Record<string, Schema>
  schemas: Record<string, Schema>
}

export function loadResponseSchemas(): ResponseSchemas {
  const here = dirname(fileURLToPath(import.meta.url))
  const file = join(here, '../fixtures/github/openapi-responses.json')
  return JSON.parse(readFileSync(file, 'utf8')) as ResponseSchemas
}

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

/** Every way `value` breaks `schema`, as `path: problem`; empty when it conforms. */
export function checkSchema(
  value: unknown,
  schema: Schema,
  schemas: Record<string, Schema>,
  path = '$',
): string[] {
  if (schema.$ref) {
    const target = schemas[schema.$ref.replace('#/components/schemas/', '')]
    if (!target) return [`${path}: unknown schema ${schema.$ref}`]
    return checkSchema(value, target, schemas, path)
  }
  if (value === null) {
    if (schema.nullable || schema.enum?.includes(null)) return []
    // A schema with no type and no combinators accepts anything, null included.
    const open = !schema.type && !schema.allOf && !schema.anyOf && !schema.oneOf
    return open ? [] : [`${path}: null where the schema does not allow it`]
  }

  const errors: string[] = []
  if (schema.allOf) {
    for (const part of schema.allOf) errors.push(...checkSchema(value, part, schemas, path))
  }
  if (
    schema.anyOf &&
    !schema.anyOf.some((s) => checkSchema(value, s, schemas, path).length === 0)
  ) {
    errors.push(`${path}: matches none of anyOf`)
  }
  if (schema.oneOf) {
    const matches = schema.oneOf.filter((s) => checkSchema(value, s, schemas, path).length === 0)
    if (matches.length !== 1) errors.push(`${path}: matches ${matches.length} of oneOf, not 1`)
  }
  if (schema.enum && !schema.enum.includes(value)) {
    errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`)
  }
  if (schema.type) errors.push(...checkType(value, schema, schemas, path))
  return errors
}

function checkType(
  value: unknown,
  schema: Schema,
  schemas: Record<string, Schema>,
  path: string,
): string[] {
  const actual = typeOf(value)
  const expected = schema.type
  const fits =
    expected === actual ||
    (expected === 'integer' && Number.isInteger(value)) ||
    (expected === 'number' && actual === 'number')
  if (!fits) return [`${path}: expected ${expected}, got ${actual}`]

  // GitHub sends a string property's declared default ("" for unset URLs) as is.
  if (actual === 'string' && value !== schema.default) {
    return checkFormat(value as string, schema.format, path)
  }
  if (actual === 'string') return []
  if (actual === 'array') {
    const items = schema.items
    if (!items) return []
    return (value as unknown[]).flatMap((v, i) => checkSchema(v, items, schemas, `${path}[${i}]`))
  }
  if (actual !== 'object') return []

  const record = value as Record<string, unknown>
  const errors: string[] = []
  for (const key of schema.required ?? []) {
    if (!(key in record)) errors.push(`${path}: missing required '${key}'`)
  }
  for (const [key, v] of Object.entries(record)) {
    const property = schema.properties?.[key]
    if (property) {
      errors.push(...checkSchema(v, property, schemas, `${path}.${key}`))
    } else if (schema.additionalProperties === false) {
      errors.push(`${path}: unexpected property '${key}'`)
    } else if (typeof schema.additionalProperties === 'object') {
      errors.push(...checkSchema(v, schema.additionalProperties, schemas, `${path}.${key}`))
    }
  }
  return errors
}

function checkFormat(value: string, format: string | undefined, path: string): string[] {
  if (
    format === 'date-time' &&
    !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value)
  ) {
    return [`${path}: '${value}' is not a date-time`]
  }
  if (format === 'uri' && !URL.canParse(value)) return [`${path}: '${value}' is not a URI`]
  return []
}

/** The operation key (`METHOD /template STATUS`) for a concrete request, if one matches. */
export function operationKey(
  operations: Record<string, Schema>,
  method: string,
  path: string,
  status: number,
): string | undefined {
  return Object.keys(operations).find((key) => {
    const [m, template, s] = key.split(' ')
    if (m !== method || s !== String(status) || !template) return false
    const pattern = template.replace(/\{[^}]+\}/g, '[^/]+')
    return new RegExp(`^${pattern}$`).test(path)
  })
}
