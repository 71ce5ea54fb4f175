// The emulators we run in-process ship no type definitions; these cover what we call.

declare module 's3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  interface S3rverOptions {
    directory?: string
    silent?: boolean
    serviceEndpoint?: string
    vhostBuckets?: boolean
    allowMismatchedSignatures?: boolean
    resetOnClose?: boolean
  }

  interface FilesystemStore {
    existsObject(bucket: string, key: string): Promise<boolean>
    getSubresource(bucket: string, key: string | undefined, type: string): Promise<unknown>
  }

  class S3rver {
    constructor(options?: S3rverOptions)
    readonly store: FilesystemStore
    callback(): (req: IncomingMessage, res: ServerResponse) => void
  }

  export default S3rver
}

declare module 's3rver/lib/models/account.js' {
  class AWSAccount {
    static readonly registry: Map<string, AWSAccount>
    static readonly DUMMY_ACCOUNT: AWSAccount
    createKeyPair(accessKeyId: string, secretAccessKey: string): void
  }

  export default AWSAccount
}

// dynalite's request handler loads its actions with computed require() paths that a bundler
// cannot follow, so we call its store, validations and actions ourselves.

declare module 'dynalite/db/index.js' {
  export interface StoreOptions {
    createTableMs?: number
    deleteTableMs?: number
    updateTableMs?: number
    maxItemSizeKb?: number
  }

  /** Opaque to us: handed from create() to the actions and validations. */
  export interface DynaliteStore {
    readonly options: StoreOptions
  }

  export function create(options?: StoreOptions): DynaliteStore
}

declare module 'dynalite/validations/index.js' {
  import type { DynaliteStore } from 'dynalite/db/index.js'

  export function checkTypes(data: unknown, types: unknown): Record<string, unknown>
  export function checkValidations(
    data: Record<string, unknown>,
    types: unknown,
    custom: unknown,
    store: DynaliteStore,
  ): void
}

declare module 'dynalite/validations/*.js' {
  const rules: { types: unknown; custom?: unknown }
  export default rules
}

declare module 'dynalite/actions/*.js' {
  import type { DynaliteStore } from 'dynalite/db/index.js'

  /** Errors meant for the client carry the HTTP status and the JSON body to send. */
  export interface DynaliteError extends Error {
    statusCode?: number
    body?: unknown
  }

  const action: (
    store: DynaliteStore,
    data: Record<string, unknown>,
    callback: (error: DynaliteError | null, result?: unknown) => void,
  ) => void
  export default action
}
