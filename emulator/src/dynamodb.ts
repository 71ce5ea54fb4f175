import type { IncomingMessage, ServerResponse } from 'node:http'
import dynalite from 'dynalite'

/** DynamoDB served in-process by dynalite, from memory. */
export interface DynamoDbBackend {
  /** Hands the request to dynalite and returns the operation name for the log. */
  dispatch(req: IncomingMessage, res: ServerResponse): string
}

/** The operation of an `X-Amz-Target: DynamoDB_20120810.PutItem` header. */
export function nameDynamoDbOperation(target: string | string[] | undefined): string {
  const value = Array.isArray(target) ? (target[0] ?? '') : (target ?? '')
  const operation = value.slice(value.indexOf('.') + 1)
  return operation === '' || !value.includes('.') ? 'Unknown' : operation
}

export function createDynamoDbBackend(): DynamoDbBackend {
  // Tables become ACTIVE at once: nobody waits on a table an emulator creates.
  // The server never listens; we feed it requests through its request event.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })

  return {
    dispatch(req, res) {
      server.emit('request', req, res)
      return nameDynamoDbOperation(req.headers['x-amz-target'])
    },
  }
}
