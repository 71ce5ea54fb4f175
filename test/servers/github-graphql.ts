// A very small GraphQL executor for the loopback GitHub server: enough of the language for the
// queries Ephemera sends (selections, arguments, variables, aliases), answering in GitHub's
// shape, including its errors for unknown fields and unresolved nodes.

/** An object in the graph: a type name and one resolver per field it offers. */
export interface GqlObject {
  typeName: string
  fields: Record<string, (args: Record<string, unknown>) => unknown>
}

/** Thrown by a resolver: becomes an entry of `errors`, with the field's path and value null. */
export class GqlFieldError extends Error {
  constructor(
    readonly type: 'NOT_FOUND' | 'FORBIDDEN',
    message: string,
  ) {
    super(message)
  }
}

interface Field {
  alias: string
  name: string
  args: Record<string, ArgValue>
  selections: Field[] | undefined
}

type ArgValue = { variable: string } | { literal: unknown }

export interface GqlResponse {
  data?: Record<string, unknown> | null
  errors?: Array<{ type?: string; path?: string[]; message: string }>
}

/** Runs `query` against `root`; a malformed query or unknown field fails the whole request. */
export function executeGraphQL(
  root: GqlObject,
  query: string,
  variables: Record<string, unknown>,
): GqlResponse {
  let selections: Field[]
  try {
    selections = parseOperation(tokenize(query))
  } catch (error) {
    return { errors: [{ message: error instanceof Error ? error.message : String(error) }] }
  }
  const errors: NonNullable<GqlResponse['errors']> = []
  try {
    const data = resolveSelections(root, selections, variables, [], errors)
    return errors.length > 0 ? { data, errors } : { data }
  } catch (error) {
    return { errors: [{ message: error instanceof Error ? error.message : String(error) }] }
  }
}

function resolveSelections(
  obj: GqlObject,
  selections: Field[],
  variables: Record<string, unknown>,
  path: string[],
  errors: NonNullable<GqlResponse['errors']>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const field of selections) {
    const resolver = obj.fields[field.name]
    if (!resolver) throw new Error(`Field '${field.name}' doesn't exist on type '${obj.typeName}'`)
    const args: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(field.args)) {
      args[name] = 'variable' in value ? variables[value.variable] : value.literal
    }
    const here = [...path, field.alias]
    let value: unknown
    try {
      value = resolver(args)
    } catch (error) {
      if (!(error instanceof GqlFieldError)) throw error
      errors.push({ type: error.type, path: here, message: error.message })
      out[field.alias] = null
      continue
    }
    out[field.alias] = shape(value, field, variables, here, errors)
  }
  return out
}

function shape(
  value: unknown,
  field: Field,
  variables: Record<string, unknown>,
  path: string[],
  errors: NonNullable<GqlResponse['errors']>,
): unknown {
  const isObject = typeof value === 'object' && value !== null && 'typeName' in value
  if (isObject && !field.selections) {
    throw new Error(`Field must have selections (field '${field.name}' returns an object)`)
  }
  if (!isObject && value !== null && field.selections) {
    throw new Error(`Selections can't be made on scalars (field '${field.name}')`)
  }
  if (!isObject) return value
  return resolveSelections(value as GqlObject, field.selections ?? [], variables, path, errors)
}

function tokenize(source: string): string[] {
  const tokens: string[] = []
  const pattern =
    /\s+|,|#[^\n]*|("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)|([A-Za-z_]\w*)|([{}():!$=[\]@])/gy
  let match: RegExpExecArray | null
  pattern.lastIndex = 0
  while (pattern.lastIndex < source.length) {
    const at = pattern.lastIndex
    match = pattern.exec(source)
    if (!match) throw new Error(`Parse error on "${source.slice(at, at + 10)}"`)
    const token = match[1] ?? match[2] ?? match[3] ?? match[4]
    if (token !== undefined) tokens.push(token)
  }
  return tokens
}

function parseOperation(tokens: string[]): Field[] {
  let i = 0
  const expect = (token: string): void => {
    if (tokens[i] !== token) throw new Error(`Parse error: expected '${token}', got '${tokens[i]}'`)
    i++
  }

  // Only queries: mutations and subscriptions are not part of what the server plays.
  if (tokens[i] === 'query') {
    i++
    if (tokens[i] !== '{' && tokens[i] !== '(') i++
    if (tokens[i] === '(') {
      while (i < tokens.length && tokens[i] !== ')') i++
      expect(')')
    }
  } else if (tokens[i] !== '{') {
    throw new Error(`Only queries are supported, got '${tokens[i]}'`)
  }

  function parseValue(): ArgValue {
    const token = tokens[i++] ?? ''
    if (token === '$') return { variable: tokens[i++] ?? '' }
    if (token.startsWith('"')) return { literal: JSON.parse(token) }
    if (/^-?\d/.test(token)) return { literal: Number(token) }
    if (token === 'true' || token === 'false') return { literal: token === 'true' }
    if (token === 'null') return { literal: null }
    return { literal: token }
  }

  function parseSelections(): Field[] {
    expect('{')
    const fields: Field[] = []
    while (tokens[i] !== '}') {
      if (i >= tokens.length) throw new Error('Parse error: unexpected end of query')
      const alias = tokens[i++] ?? ''
      let name = alias
      if (tokens[i] === ':') {
        i++
        name = tokens[i++] ?? ''
      }
      const args: Record<string, ArgValue> = {}
      if (tokens[i] === '(') {
        i++
        while (tokens[i] !== ')') {
          const argName = tokens[i++] ?? ''
          expect(':')
          args[argName] = parseValue()
        }
        expect(')')
      }
      const selections = tokens[i] === '{' ? parseSelections() : undefined
      fields.push({ alias, name, args, selections })
    }
    expect('}')
    return fields
  }

  const selections = parseSelections()
  if (i !== tokens.length) throw new Error(`Parse error: unexpected '${tokens[i]}' after query`)
  return selections
}
