/** Names shared between action.yml, the code and the post step. */

/** Label keys on everything Ephemera creates; finish and sweeps find things by them. */
export const LABELS = {
  tool: 'ephemera.tool',
  role: 'ephemera.role',
  engine: 'ephemera.engine',
  repository: 'ephemera.repository',
  pr: 'ephemera.pr',
  name: 'ephemera.name',
  sha: 'ephemera.sha',
  runId: 'ephemera.run-id',
  expiresAt: 'ephemera.expires-at',
  configHash: 'ephemera.config-hash',
} as const

export const TOOL = 'ephemera'

export const SETUP_OUTPUTS = {
  endpointUrl: 'endpoint-url',
  containerId: 'container-id',
  engine: 'engine',
  version: 'version',
  startupMs: 'startup-ms',
} as const

/** Keys the setup step saves for its post step. Never a secret. */
export const SETUP_STATE = {
  containerId: 'container-id',
  containerName: 'container-name',
  engine: 'engine',
  logs: 'logs',
  mainFailed: 'main-failed',
  endpoint: 'endpoint',
  saveState: 'save-state',
} as const

/** Credentials every emulator accepts; exported only where the job has none of its own. */
export const EMULATOR_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
} as const
