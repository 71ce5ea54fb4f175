import { createWriteStream, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { openGet } from '../util/http.js'

/**
 * Streams the emulator's state export (`GET` on the engine's export path, a zip for LocalStack)
 * into `file`, and returns its size. Streaming keeps a large state out of memory.
 */
export async function saveEmulatorState(url: string, file: string): Promise<number> {
  mkdirSync(dirname(file), { recursive: true })
  const response = await openGet(url, { timeoutMs: 60_000 })
  if (response.statusCode !== 200) {
    response.resume()
    throw new Error(`${url} answered ${response.statusCode}`)
  }
  let size = 0
  response.on('data', (chunk: Buffer) => {
    size += chunk.length
  })
  await pipeline(response, createWriteStream(file))
  return size
}
