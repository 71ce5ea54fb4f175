import { AwsCallError, type RunTaskFailure } from '../aws/ecs-api.js'
import { ActionError, errorMessage } from '../util/errors.js'

/** What an error message needs to say where to look. */
export interface EcsErrorContext {
  cluster: string
  region: string
  ecsEndpoint: string | undefined
  ec2Endpoint: string | undefined
}

const DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'AuthFailure',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
])

const THROTTLED = new Set([
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'TooManyRequestsException',
])

// Which input a refused parameter most likely came from, tried in this order.
const INPUT_HINTS: Array<[RegExp, string]> = [
  [/security ?group/i, 'security-groups'],
  [/subnet/i, 'subnets'],
  [/execution ?role/i, 'execution-role-arn'],
  [/task ?role|role/i, 'task-role-arn'],
  [/log/i, 'log-group'],
  [/task ?definition/i, 'task-definition'],
  [/fargate configuration|\bcpu\b|\bmemory\b/i, 'cpu'],
  [/public ?ip/i, 'assign-public-ip'],
  [/image/i, 'image'],
]

/** One message for an AWS failure that says what went wrong and which input to change. */
export function explainAwsError(error: unknown, ctx: EcsErrorContext): Error {
  if (!(error instanceof AwsCallError)) {
    return error instanceof Error ? error : new ActionError(errorMessage(error))
  }
  const said = `${error.action} failed (${error.code}: ${error.awsMessage})`
  if (DENIED.has(error.code) || error.status === 401 || error.status === 403) {
    return new ActionError(
      `AWS refused ${error.action} (${error.code}: ${error.awsMessage}). The credentials this step uses (for example the role of aws-actions/configure-aws-credentials) need the permissions listed in the README section "Previews on AWS ECS Fargate"; also check 'region' (${ctx.region}).`,
    )
  }
  if (error.code === 'ClusterNotFoundException') {
    return new ActionError(
      `ECS has no cluster '${ctx.cluster}' in ${ctx.region} (${error.action}: ${error.awsMessage}). Check input 'cluster', and 'region'.`,
    )
  }
  if (THROTTLED.has(error.code) || error.status >= 500) {
    return new ActionError(
      `${said} after ${error.attempts} attempt(s): AWS kept throttling or failing the call. Run the job again in a few minutes.`,
    )
  }
  if (error.status === 0) {
    const ec2 = error.action.startsWith('ec2:')
    const input = ec2 ? 'ec2-endpoint-url' : 'ecs-endpoint-url'
    const where = (ec2 ? ctx.ec2Endpoint : ctx.ecsEndpoint) ?? `AWS's endpoint in ${ctx.region}`
    return new ActionError(
      `${said}: no answer from ${where}. Check input '${input}' and that the runner reaches it.`,
    )
  }
  const hint = INPUT_HINTS.find(([pattern]) => pattern.test(error.awsMessage))?.[1]
  if (hint === 'cpu') return new ActionError(`${said}. Check inputs 'cpu' and 'memory'.`)
  if (hint) return new ActionError(`${said}. Check input '${hint}'.`)
  return new ActionError(
    `${said}. Check the ECS inputs ('cluster', 'subnets', 'security-groups', 'task-definition').`,
  )
}

/** RunTask's failures list: ECS could not place the task, usually for lack of capacity. */
export function explainRunTaskFailures(failures: RunTaskFailure[]): ActionError {
  const reasons = failures.map((f) => `${f.reason}${f.detail ? ` (${f.detail})` : ''}`)
  return new ActionError(
    `ECS could not place the preview task: ${reasons.join('; ') || 'no task and no reason given'}. When Fargate lacks capacity (RESOURCE:*), run again later, add 'subnets' in other availability zones, or ask for less 'cpu' and 'memory'.`,
  )
}
