import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** Where tests keep scratch files: inside the clone, ignored by git. */
export function scratchDir(prefix: string): string {
  const base = join(ROOT, '.tmp', 'test')
  mkdirSync(base, { recursive: true })
  const dir = join(base, `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`)
  mkdirSync(dir, { recursive: true })
  return dir
}

interface ActionYaml {
  inputs?: Record<string, { default?: string; required?: boolean }>
  outputs?: Record<string, unknown>
  runs: { using: string; main: string; post?: string; 'post-if'?: string }
}

/** The parsed action.yml of 'setup' (the root), 'preview' or 'finish'. */
export function readActionYaml(action: ActionName): ActionYaml & { dir: string } {
  const dir = action === 'setup' ? ROOT : join(ROOT, action)
  const parsed = parseYaml(readFileSync(join(dir, 'action.yml'), 'utf8')) as ActionYaml
  return { ...parsed, dir }
}

export type ActionName = 'setup' | 'preview' | 'finish'

export interface WorkflowCommand {
  command: string
  properties: Record<string, string>
  message: string
}

export interface StepResult {
  exitCode: number
  stdout: string
  stderr: string
  commands: WorkflowCommand[]
  outputs: Record<string, string>
  /** Variables the step exported with GITHUB_ENV. */
  env: Record<string, string>
  state: Record<string, string>
  path: string[]
  summary: string
  ms: number
}

export interface RunOptions {
  action: ActionName
  inputs?: Record<string, string>
  /** Extra environment for the step, on top of the runner's variables. */
  env?: Record<string, string>
  event?: { name: string; payload: Record<string, unknown> }
  /** The job token, which `${{ github.token }}` in an input default expands to. */
  token?: string
  timeoutMs?: number
}

export interface MainRun extends StepResult {
  /** Runs the post step, if action.yml declares one, with the state main saved. */
  post(extraEnv?: Record<string, string>): Promise<StepResult>
  /** Environment the runner hands to later steps of the job (GITHUB_ENV applied). */
  jobEnv: Record<string, string>
}

/**
 * Runs an action's built bundle the way the GitHub runner does: inputs as INPUT_* (with the
 * defaults declared in action.yml filled in), fresh command files, the event payload in
 * GITHUB_EVENT_PATH, and the usual GITHUB_* and RUNNER_* variables.
 */
export async function runAction(opts: RunOptions): Promise<MainRun> {
  const yaml = readActionYaml(opts.action)
  const dir = scratchDir(`run-${opts.action}`)
  const workspace = join(dir, 'workspace')
  const runnerTemp = join(dir, 'runner-temp')
  mkdirSync(workspace, { recursive: true })
  mkdirSync(runnerTemp, { recursive: true })
  const event = opts.event ?? { name: 'push', payload: {} }
  const eventPath = join(dir, 'event.json')
  writeFileSync(eventPath, JSON.stringify(event.payload))
  const repo =
    (event.payload.repository as { full_name?: string } | undefined)?.full_name ??
    'octo-org/octo-repo'
  const runner: Record<string, string> = {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTION: opts.action,
    GITHUB_ACTION_PATH: yaml.dir,
    GITHUB_ACTOR: 'octocat',
    GITHUB_API_URL: 'http://127.0.0.1:9/api',
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_GRAPHQL_URL: 'http://127.0.0.1:9/api/graphql',
    GITHUB_JOB: 'test',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REPOSITORY: repo,
    GITHUB_REPOSITORY_OWNER: repo.split('/')[0] ?? 'octo-org',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_RUN_ID: nextRunId(),
    GITHUB_RUN_NUMBER: '7',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_SHA: 'ffac537e6cbbf934b08745a378932722df287a53',
    GITHUB_WORKFLOW: 'test',
    GITHUB_WORKSPACE: workspace,
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'loopback-runner',
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: join(dir, 'tool-cache'),
  }
  const inputs = inputEnv(yaml, opts.inputs ?? {}, opts.token ?? '')
  const base: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? dir,
    NO_COLOR: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
  }
  const stepEnv = { ...base, ...runner, ...(opts.env ?? {}) }
  const main = await runStep(
    join(yaml.dir, yaml.runs.main),
    dir,
    'main',
    {
      ...stepEnv,
      ...inputs,
    },
    opts.timeoutMs,
  )
  const jobEnv = { ...stepEnv, ...main.env }
  if (main.path.length > 0) jobEnv.PATH = [...main.path, jobEnv.PATH].join(':')
  return {
    ...main,
    jobEnv,
    post: async (extraEnv = {}) => {
      if (!yaml.runs.post) throw new Error(`${opts.action}/action.yml declares no post step`)
      const postIf = yaml.runs['post-if'] ?? 'always()'
      if (postIf === 'success()' && main.exitCode !== 0) {
        throw new Error(`post-if is success() and main failed; the runner would not run post`)
      }
      const state: Record<string, string> = {}
      for (const [key, value] of Object.entries(main.state)) state[`STATE_${key}`] = value
      return runStep(
        join(yaml.dir, yaml.runs.post),
        dir,
        'post',
        {
          ...jobEnv,
          ...inputs,
          ...state,
          ...extraEnv,
        },
        opts.timeoutMs,
      )
    },
  }
}

let lastRunId = 0

/** Run ids grow over time, as GitHub's do: code may order runs by them. */
function nextRunId(): string {
  lastRunId = Math.max(lastRunId + 1, Math.floor(Date.now() / 100) - 17_000_000_000)
  return String(lastRunId)
}

/** INPUT_* variables: given inputs over action.yml defaults, named as the runner names them. */
function inputEnv(
  yaml: ActionYaml,
  given: Record<string, string>,
  token: string,
): Record<string, string> {
  for (const name of Object.keys(given)) {
    if (!yaml.inputs?.[name]) throw new Error(`action.yml declares no input '${name}'`)
  }
  const env: Record<string, string> = {}
  for (const [name, spec] of Object.entries(yaml.inputs ?? {})) {
    const value = given[name] ?? expandDefault(spec.default ?? '', token)
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  }
  return env
}

function expandDefault(value: string, token: string): string {
  return value.replace(/\$\{\{\s*github\.token\s*\}\}/g, token)
}

async function runStep(
  bundle: string,
  dir: string,
  stage: string,
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<StepResult> {
  const files = {
    GITHUB_OUTPUT: join(dir, `${stage}-output`),
    GITHUB_ENV: join(dir, `${stage}-env`),
    GITHUB_STATE: join(dir, `${stage}-state`),
    GITHUB_PATH: join(dir, `${stage}-path`),
    GITHUB_STEP_SUMMARY: join(dir, `${stage}-summary`),
  }
  // The toolkit refuses to write to a command file that does not exist.
  for (const file of Object.values(files)) writeFileSync(file, '')
  const started = Date.now()
  const child = spawn(process.execPath, [bundle], {
    cwd: env.GITHUB_WORKSPACE,
    env: { ...env, ...files },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8')
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8')
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const exitCode = await new Promise<number>((resolve) => {
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
  })
  clearTimeout(timer)
  const ms = Date.now() - started
  return {
    exitCode,
    stdout,
    stderr,
    ms,
    commands: parseCommands(stdout),
    outputs: parseKeyValueFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
    env: parseKeyValueFile(readFileSync(files.GITHUB_ENV, 'utf8')),
    state: parseKeyValueFile(readFileSync(files.GITHUB_STATE, 'utf8')),
    path: readFileSync(files.GITHUB_PATH, 'utf8').split('\n').filter(Boolean),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
  }
}

/** Reads `name<<DELIM` heredoc entries and plain `name=value` lines, as the runner does. */
export function parseKeyValueFile(text: string): Record<string, string> {
  const result: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (line === '') continue
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, key = '', delimiter] = heredoc
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '')
      if (i >= lines.length) throw new Error(`unterminated heredoc for '${key}' in command file`)
      result[key] = value.join('\n')
      continue
    }
    const eq = line.indexOf('=')
    if (eq <= 0) throw new Error(`malformed command file line: ${line}`)
    result[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return result
}

/** Workflow commands (`::name key=value::message`) the step printed. */
export function parseCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = []
  for (const line of stdout.split('\n')) {
    const match = /^::([a-z-]+)( [^:]*)?::(.*)$/.exec(line)
    if (!match) continue
    const properties: Record<string, string> = {}
    for (const pair of (match[2] ?? '').trim().split(',').filter(Boolean)) {
      const eq = pair.indexOf('=')
      properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1))
    }
    commands.push({ command: match[1] ?? '', properties, message: unescapeData(match[3] ?? '') })
  }
  return commands
}

function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
}

function unescapeProperty(text: string): string {
  return unescapeData(text).replace(/%3A/g, ':').replace(/%2C/g, ',')
}

/**
 * Every place a secret shows up in a step's output, other than the mask commands that hide
 * it. An empty list means nothing leaked.
 */
export function findLeaks(
  result: Pick<StepResult, 'stdout' | 'stderr' | 'summary' | 'outputs' | 'env'>,
  secrets: string[],
): string[] {
  const leaks: string[] = []
  for (const secret of secrets.filter((s) => s.length > 0)) {
    for (const line of (result.stdout + result.stderr).split('\n')) {
      if (line.includes(secret) && line !== `::add-mask::${secret}`) leaks.push(line)
    }
    if (result.summary.includes(secret)) leaks.push('step summary')
    for (const [key, value] of Object.entries({ ...result.outputs, ...result.env })) {
      if (value.includes(secret)) leaks.push(`output or env ${key}`)
    }
  }
  return leaks
}
