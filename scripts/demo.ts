// The main job on the offline default: runs the setup action's bundle the way the GitHub runner
// does, against the local Docker engine and the lite emulator (built on the spot if missing),
// deploys the sample static site and a DynamoDB table with the AWS SDK, shows what is there,
// then runs the post step and checks that nothing is left running.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb'
import Docker from 'dockerode'
import { httpGet } from '../src/container/probe.js'
import { freePort } from '../test/helpers/net.js'
import { ROOT, runAction, type StepResult } from '../test/helpers/run-action.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

/** The step's log as the Actions UI would show it: groups as headings, commands hidden. */
function show(step: StepResult): void {
  for (const line of step.stdout.split('\n')) {
    if (line.startsWith('::group::')) console.log(`  ▸ ${line.slice(9)}`)
    else if (line.startsWith('::error::') || line.startsWith('::warning::'))
      console.log(`    ${line.slice(2).replace('::', ': ')}`)
    else if (line !== '' && !line.startsWith('::')) console.log(`    ${line}`)
  }
}

async function main(): Promise<void> {
  const docker = new Docker()
  try {
    await docker.ping()
  } catch {
    console.error(
      'No Docker engine answers. Start one (see scripts/with-docker.sh), or run: npm run demo',
    )
    process.exit(1)
  }
  if (!existsSync(join(ROOT, 'dist/setup.cjs')))
    execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' })
  // Hosted runners have Docker's default bridge; an engine started without one needs host mode.
  const hasBridge = await docker
    .getNetwork('bridge')
    .inspect()
    .then(
      () => true,
      () => false,
    )
  const port = await freePort()

  console.log(`\n1. setup (engine lite, network ${hasBridge ? 'bridge' : 'host'}, port ${port})`)
  const setup = await runAction({
    action: 'setup',
    inputs: { engine: 'lite', port: String(port), network: hasBridge ? 'bridge' : 'host' },
  })
  show(setup)
  if (setup.exitCode !== 0) process.exit(setup.exitCode)
  const endpoint = setup.outputs['endpoint-url'] ?? ''
  console.log(`   outputs: ${JSON.stringify(setup.outputs)}`)
  console.log(
    `   exported: AWS_ENDPOINT_URL=${setup.env.AWS_ENDPOINT_URL}, AWS_REGION=${setup.env.AWS_REGION ?? '(kept)'}`,
  )

  try {
    console.log('\n2. deploy the sample with the AWS SDK, as a later step would')
    const deploy = spawnSync(process.execPath, [join(ROOT, 'examples/static-site/deploy.mjs')], {
      env: { ...process.env, ...setup.env },
      encoding: 'utf8',
    })
    process.stdout.write(`   ${deploy.stdout}${deploy.stderr}`)
    if (deploy.status !== 0) throw new Error('the sample deploy failed')
    const dynamo = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    })
    await dynamo.send(
      new CreateTableCommand({
        TableName: 'orders',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    )
    await dynamo.send(
      new PutItemCommand({
        TableName: 'orders',
        Item: { id: { S: 'order-1' }, total: { N: '42' } },
      }),
    )
    const item = await dynamo.send(
      new GetItemCommand({ TableName: 'orders', Key: { id: { S: 'order-1' } } }),
    )
    dynamo.destroy()
    console.log(`   dynamodb table 'orders', item order-1: total ${item.Item?.total?.N}`)

    console.log('\n3. what is deployed')
    const page = await httpGet(`${endpoint}/site/index.html`, 2000)
    console.log(
      `   GET ${endpoint}/site/index.html -> ${page.status}: ${/<h1>(.*)<\/h1>/.exec(page.body)?.[1] ?? page.body.slice(0, 80)}`,
    )
    const health = await httpGet(`${endpoint}/_localstack/health`, 2000)
    console.log(`   GET ${endpoint}/_localstack/health -> ${health.body}`)
  } finally {
    console.log('\n4. post step')
    const post = await setup.post()
    show(post)
    const left = await docker.listContainers({
      all: true,
      filters: { label: [`ephemera.run-id=${setup.jobEnv.GITHUB_RUN_ID}`] },
    })
    console.log(`   containers left: ${left.length}`)
    if (post.exitCode !== 0 || left.length > 0) process.exitCode = 1
  }
}

await main()
