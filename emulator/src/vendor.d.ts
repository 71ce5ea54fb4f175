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

declare module 'dynalite' {
  import type { Server } from 'node:http'

  interface DynaliteOptions {
    createTableMs?: number
    deleteTableMs?: number
    updateTableMs?: number
    maxItemSizeKb?: number
    path?: string
  }

  function dynalite(options?: DynaliteOptions): Server
  export default dynalite
}
