// Stands in for the emulator a preview task would run, for ECS tests whose tasks run in memory:
// an HTTP server on 127.0.0.1 answering LocalStack's readiness contract, as the lite image does.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeEmulator {
  port: number
  /** Requests seen, by path. */
  hits: string[]
  /** While false, health answers 503. */
  ready: boolean
  close(): Promise<void>
}

export async function startFakeEmulator(version = '0.0.0-fake'): Promise<FakeEmulator> {
  const hits: string[] = []
  const state = { ready: true }
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '')
    res.setHeader('content-type', 'application/json')
    if (!state.ready) {
      res.statusCode = 503
      res.end('{}')
    } else if (req.url === '/_localstack/health') {
      res.end(JSON.stringify({ services: { s3: 'running' }, version }))
    } else if (req.url === '/_localstack/init/ready') {
      res.end(JSON.stringify({ completed: true, scripts: [] }))
    } else {
      res.statusCode = 404
      res.end('{}')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    get ready() {
      return state.ready
    },
    set ready(value: boolean) {
      state.ready = value
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
