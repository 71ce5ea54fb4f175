// EC2's DescribeNetworkInterfaces for the loopback ECS server, in the EC2 query protocol: a
// form-encoded request, an XML answer. The interfaces are those of tasks not yet STOPPED.
import { randomUUID } from 'node:crypto'
import { AwsError, type Scope, type TaskRecord } from './ecs-model.js'

const XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/'

/** Every address here is loopback: tasks share the host's network. */
const LOOPBACK = '127.0.0.1'

interface Filter {
  name: string
  values: string[]
}

/** Answers one EC2 action with its XML body; fails with an AwsError holding an EC2 code. */
export function callEc2(
  scope: Scope,
  tasks: Iterable<TaskRecord>,
  params: URLSearchParams,
): string {
  const action = params.get('Action') ?? ''
  if (action !== 'DescribeNetworkInterfaces') {
    throw new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`)
  }
  if (params.get('DryRun') === 'true') {
    throw new AwsError(
      'DryRunOperation',
      'Request would have succeeded, but DryRun flag is set.',
      412,
    )
  }
  const ids = numbered(params, 'NetworkInterfaceId')
  for (const id of ids) {
    if (!/^eni-[0-9a-f]{8,17}$/.test(id)) {
      throw new AwsError(
        'InvalidNetworkInterfaceID.Malformed',
        `Invalid id: "${id}" (expecting "eni-...")`,
      )
    }
  }
  const live = [...tasks].filter((t) => t.eni.status === 'ATTACHED' || t.eni.status === 'DETACHED')
  const missing = ids.filter((id) => !live.some((t) => t.eni.id === id))
  if (missing.length === 1) {
    throw new AwsError(
      'InvalidNetworkInterfaceID.NotFound',
      `The networkInterface ID '${missing[0]}' does not exist`,
    )
  }
  if (missing.length > 1) {
    throw new AwsError(
      'InvalidNetworkInterfaceID.NotFound',
      `The networkInterface IDs '${missing.join(', ')}' do not exist`,
    )
  }
  const filters = readFilters(params)
  const found = live.filter(
    (t) => (ids.length === 0 || ids.includes(t.eni.id)) && filters.every((f) => matches(t, f)),
  )
  return xmlDocument(
    `<DescribeNetworkInterfacesResponse xmlns="${XMLNS}"><requestId>${randomUUID()}</requestId>` +
      `<networkInterfaceSet>${found.map((t) => renderInterface(scope, t)).join('')}</networkInterfaceSet>` +
      '</DescribeNetworkInterfacesResponse>',
  )
}

/** EC2's error document: Response/Errors/Error with Code and Message, and a RequestID. */
export function ec2ErrorXml(code: string, message: string): string {
  return xmlDocument(
    `<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors>` +
      `<RequestID>${randomUUID()}</RequestID></Response>`,
  )
}

/** Values of Name.1, Name.2, ... in order. */
function numbered(params: URLSearchParams, name: string): string[] {
  const out: string[] = []
  for (let i = 1; params.has(`${name}.${i}`); i++) out.push(params.get(`${name}.${i}`) ?? '')
  return out
}

function readFilters(params: URLSearchParams): Filter[] {
  const filters: Filter[] = []
  for (let i = 1; params.has(`Filter.${i}.Name`); i++) {
    const name = params.get(`Filter.${i}.Name`) ?? ''
    if (!FILTERS[name])
      throw new AwsError('InvalidParameterValue', `The filter '${name}' is invalid`)
    filters.push({ name, values: numbered(params, `Filter.${i}.Value`) })
  }
  return filters
}

const FILTERS: Record<string, (t: TaskRecord) => string[]> = {
  'network-interface-id': (t) => [t.eni.id],
  'subnet-id': (t) => [t.eni.subnetId],
  'group-id': (t) => t.eni.securityGroups,
  'private-ip-address': () => [LOOPBACK],
  'addresses.private-ip-address': () => [LOOPBACK],
  'association.public-ip': (t) => (t.eni.assignPublicIp ? [LOOPBACK] : []),
  'mac-address': (t) => [t.eni.macAddress],
  status: (t) => [eniStatus(t)],
  description: (t) => [description(t)],
  'requester-managed': () => ['true'],
  'interface-type': () => ['interface'],
}

function matches(t: TaskRecord, f: Filter): boolean {
  const have = FILTERS[f.name]?.(t) ?? []
  return f.values.some((v) => have.some((h) => wildcard(v).test(h)))
}

/** EC2 filter values take * and ? wildcards. */
function wildcard(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`^${escaped.replace(/\*/g, '.*').replace(/\?/g, '.')}$`)
}

function eniStatus(t: TaskRecord): string {
  return t.eni.status === 'ATTACHED' ? 'in-use' : 'available'
}

function description(t: TaskRecord): string {
  return `arn:aws:ecs:${t.clusterArn.split(':')[3]}:${t.clusterArn.split(':')[4]}:attachment/${t.eni.attachmentId}`
}

function renderInterface(scope: Scope, t: TaskRecord): string {
  const association = t.eni.assignPublicIp
    ? `<association><publicIp>${LOOPBACK}</publicIp><ipOwnerId>amazon</ipOwnerId></association>`
    : ''
  const groups = t.eni.securityGroups
    .map(
      (g) =>
        `<item><groupId>${escapeXml(g)}</groupId><groupName>${escapeXml(g)}</groupName></item>`,
    )
    .join('')
  const attachment =
    t.eni.status === 'ATTACHED'
      ? `<attachment><attachmentId>ela-attach-${t.eni.id.slice(4)}</attachmentId>` +
        `<instanceOwnerId>amazon-aws</instanceOwnerId><deviceIndex>1</deviceIndex>` +
        `<networkCardIndex>0</networkCardIndex><status>attached</status>` +
        `<attachTime>${new Date(t.connectivityAt ?? t.createdAt).toISOString()}</attachTime>` +
        `<deleteOnTermination>false</deleteOnTermination></attachment>`
      : ''
  return (
    '<item>' +
    `<networkInterfaceId>${t.eni.id}</networkInterfaceId>` +
    `<subnetId>${escapeXml(t.eni.subnetId)}</subnetId>` +
    `<vpcId>vpc-${t.eni.id.slice(4, 12)}</vpcId>` +
    `<availabilityZone>${scope.region}a</availabilityZone>` +
    `<description>${escapeXml(description(t))}</description>` +
    `<ownerId>${scope.accountId}</ownerId>` +
    '<requesterId>578734482556</requesterId>' +
    '<requesterManaged>true</requesterManaged>' +
    `<status>${eniStatus(t)}</status>` +
    `<macAddress>${t.eni.macAddress}</macAddress>` +
    `<privateIpAddress>${LOOPBACK}</privateIpAddress>` +
    '<sourceDestCheck>true</sourceDestCheck>' +
    `<groupSet>${groups}</groupSet>` +
    attachment +
    association +
    '<tagSet/>' +
    '<privateIpAddressesSet><item>' +
    `<privateIpAddress>${LOOPBACK}</privateIpAddress><primary>true</primary>${association}` +
    '</item></privateIpAddressesSet>' +
    '<ipv6AddressesSet/>' +
    '<interfaceType>interface</interfaceType>' +
    '</item>'
  )
}

function xmlDocument(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}`
}

function escapeXml(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' }[c]};`,
  )
}
