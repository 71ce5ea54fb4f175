import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { crc32 } from 'node:zlib'
import batchGetItem from 'dynalite/actions/batchGetItem.js'
import batchWriteItem from 'dynalite/actions/batchWriteItem.js'
import createTable from 'dynalite/actions/createTable.js'
import deleteItem from 'dynalite/actions/deleteItem.js'
import deleteTable from 'dynalite/actions/deleteTable.js'
import describeTable from 'dynalite/actions/describeTable.js'
import describeTimeToLive from 'dynalite/actions/describeTimeToLive.js'
import getItem from 'dynalite/actions/getItem.js'
import listTables from 'dynalite/actions/listTables.js'
import listTagsOfResource from 'dynalite/actions/listTagsOfResource.js'
import putItem from 'dynalite/actions/putItem.js'
import query from 'dynalite/actions/query.js'
import scan from 'dynalite/actions/scan.js'
import tagResource from 'dynalite/actions/tagResource.js'
import untagResource from 'dynalite/actions/untagResource.js'
import updateItem from 'dynalite/actions/updateItem.js'
import updateTable from 'dynalite/actions/updateTable.js'
import { create as createStore, type DynaliteStore } from 'dynalite/db/index.js'
import batchGetItemRules from 'dynalite/validations/batchGetItem.js'
import batchWriteItemRules from 'dynalite/validations/batchWriteItem.js'
import createTableRules from 'dynalite/validations/createTable.js'
import deleteItemRules from 'dynalite/validations/deleteItem.js'
import deleteTableRules from 'dynalite/validations/deleteTable.js'
import describeTableRules from 'dynalite/validations/describeTable.js'
import describeTimeToLiveRules from 'dynalite/validations/describeTimeToLive.js'
import getItemRules from 'dynalite/validations/getItem.js'
import { checkTypes, checkValidations } from 'dynalite/validations/index.js'
import listTablesRules from 'dynalite/validations/listTables.js'
import listTagsOfResourceRules from 'dynalite/validations/listTagsOfResource.js'
import putItemRules from 'dynalite/validations/putItem.js'
import queryRules from 'dynalite/validations/query.js'
import scanRules from 'dynalite/validations/scan.js'
import tagResourceRules from 'dynalite/validations/tagResource.js'
import untagResourceRules from 'dynalite/validations/untagResource.js'
import updateItemRules from 'dynalite/validations/updateItem.js'
import updateTableRules from 'dynalite/validations/updateTable.js'

/** DynamoDB served in-process by dynalite's store, validations and actions, from memory. */
export interface DynamoDbBackend {
  /** Answers the request and returns the operation name for the log. */
  dispatch(req: IncomingMessage, res: ServerResponse): string
}

type Action = typeof getItem
type Rules = typeof getItemRules

// Named statically so a bundler includes each one.
const operations: Record<string, [Action, Rules]> = {
  BatchGetItem: [batchGetItem, batchGetItemRules],
  BatchWriteItem: [batchWriteItem, batchWriteItemRules],
  CreateTable: [createTable, createTableRules],
  DeleteItem: [deleteItem, deleteItemRules],
  DeleteTable: [deleteTable, deleteTableRules],
  DescribeTable: [describeTable, describeTableRules],
  DescribeTimeToLive: [describeTimeToLive, describeTimeToLiveRules],
  GetItem: [getItem, getItemRules],
  ListTables: [listTables, listTablesRules],
  ListTagsOfResource: [listTagsOfResource, listTagsOfResourceRules],
  PutItem: [putItem, putItemRules],
  Query: [query, queryRules],
  Scan: [scan, scanRules],
  TagResource: [tagResource, tagResourceRules],
  UntagResource: [untagResource, untagResourceRules],
  UpdateItem: [updateItem, updateItemRules],
  UpdateTable: [updateTable, updateTableRules],
}

const targetPrefix = 'DynamoDB_20120810.'
const maxRequestBytes = 16 * 1024 * 1024

/** The operation of an `X-Amz-Target: DynamoDB_20120810.PutItem` header. */
export function nameDynamoDbOperation(target: string | string[] | undefined): string {
  const value = Array.isArray(target) ? (target[0] ?? '') : (target ?? '')
  const dot = value.indexOf('.')
  return dot === -1 || dot === value.length - 1 ? 'Unknown' : value.slice(dot + 1)
}

export function createDynamoDbBackend(): DynamoDbBackend {
  // Tables become ACTIVE at once: nobody should wait on a table in an emulator.
  const store = createStore({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })

  return {
    dispatch(req, res) {
      readBody(req)
        .then((body) => answer(store, req.headers['x-amz-target'], body, res))
        .catch((error: unknown) => {
          const message = error instanceof Error ? error.message : String(error)
          if (res.headersSent) res.destroy()
          else
            send(res, 500, {
              __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
              message,
            })
        })
      return nameDynamoDbOperation(req.headers['x-amz-target'])
    },
  }
}

function answer(
  store: DynaliteStore,
  target: string | string[] | undefined,
  body: Buffer | undefined,
  res: ServerResponse,
): void {
  if (body === undefined) {
    send(res, 413, { __type: 'com.amazon.coral.service#RequestEntityTooLarge' })
    return
  }
  const name =
    typeof target === 'string' && target.startsWith(targetPrefix)
      ? target.slice(targetPrefix.length)
      : ''
  const operation = operations[name]
  if (!operation) {
    // TODO: dynalite has no transactions, PartiQL, TTL updates, backups or streams; those
    // calls need another engine until it grows them.
    const message = name
      ? `DynamoDB operation '${name}' is not available in the lite emulator.`
      : 'X-Amz-Target does not name a DynamoDB_20120810 operation.'
    send(res, 400, { __type: 'com.amazon.coral.service#UnknownOperationException', message })
    return
  }

  let data: Record<string, unknown>
  try {
    data = JSON.parse(body.toString('utf8')) as Record<string, unknown>
  } catch {
    send(res, 400, { __type: 'com.amazon.coral.service#SerializationException' })
    return
  }

  // Validation failures are thrown with the status and body the client should get.
  const [action, rules] = operation
  try {
    data = checkTypes(data, rules.types)
    checkValidations(data, rules.types, rules.custom, store)
  } catch (error) {
    if (!isClientError(error)) throw error
    send(res, error.statusCode, error.body)
    return
  }

  action(store, data, (error, result) => {
    if (error && isClientError(error)) send(res, error.statusCode, error.body)
    else if (error)
      send(res, 500, {
        __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
        message: error.message,
      })
    else send(res, 200, result ?? {})
  })
}

function isClientError(error: unknown): error is { statusCode: number; body: unknown } {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { statusCode?: unknown }).statusCode === 'number'
  )
}

/** The whole body, or undefined when it is larger than DynamoDB accepts. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  // Read to the end even when too large: leaving the loop early would destroy the socket
  // before the 413 goes out.
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size <= maxRequestBytes) chunks.push(chunk as Buffer)
  }
  return size > maxRequestBytes ? undefined : Buffer.concat(chunks)
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.statusCode = status
  res.setHeader('Content-Type', 'application/x-amz-json-1.0')
  res.setHeader(
    'x-amzn-RequestId',
    randomBytes(39).toString('base64url').toUpperCase().slice(0, 52),
  )
  // DynamoDB sends the CRC32 of each body; some clients check it.
  res.setHeader('x-amz-crc32', String(crc32(text)))
  res.setHeader('Content-Length', Buffer.byteLength(text))
  res.end(text)
}
