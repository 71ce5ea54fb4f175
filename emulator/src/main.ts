// The lite emulator: S3 (s3rver) and DynamoDB (dynalite) in one process behind one port,
// answering LocalStack's readiness endpoints so the same setup code can wait on either.
import { createServer, type Server } from 'node:http'
import packageJson from '../../package.json' with { type: 'json' }
import { createDynamoDbBackend } from './dynamodb.js'
import { createGateway } from './gateway.js'
import { type ListenAddress, readListenAddresses } from './listen.js'
import { createS3Backend } from './s3.js'

async function main(): Promise<void> {
  const addresses = readListenAddresses(process.env)
  const s3 = createS3Backend(process.env.DATA_DIR || undefined)
  const dynamodb = createDynamoDbBackend()
  const gateway = createGateway({
    version: packageJson.version,
    s3,
    dynamodb,
    log: (line) => process.stdout.write(`${line}\n`),
  })
  const servers = addresses.map(() => createServer(gateway))

  stopOnSignals(servers, () => s3.close())
  try {
    await Promise.all(servers.map((server, i) => listen(server, addresses[i] as ListenAddress)))
  } catch (error) {
    // A taken port is the usual cause; leave no temporary bucket directory behind.
    s3.close()
    throw error
  }

  const where = addresses.map(({ host, port }) => `${host}:${port}`).join(', ')
  process.stdout.write(`ephemera-lite ${packageJson.version}: s3, dynamodb on ${where}\n`)
  process.stdout.write('Ready.\n')
}

function listen(server: Server, { host, port }: ListenAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      reject(
        new Error(
          `cannot listen on ${host}:${port} (${error.message}); set GATEWAY_LISTEN to a free address.`,
        ),
      )
    }
    server.once('error', fail)
    server.listen(port, host, () => {
      server.off('error', fail)
      resolve()
    })
  })
}

// As PID 1 in a container, the process gets no default SIGTERM handling, so docker stop would
// wait out its timeout. Open keep-alive sockets would hold close() open too: drop them.
function stopOnSignals(servers: Server[], cleanUp: () => void): void {
  const stop = (signal: string) => {
    process.stdout.write(`Received ${signal}, stopping.\n`)
    for (const server of servers) {
      server.close()
      server.closeAllConnections()
    }
    try {
      cleanUp()
    } catch (error) {
      process.stderr.write(`Cleanup failed: ${describe(error)}\n`)
    }
    process.exit(0)
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

main().catch((error: unknown) => {
  process.stderr.write(`ephemera-lite failed to start: ${describe(error)}\n`)
  process.exit(1)
})
