import { createWriteStream, mkdirSync } from 'node:fs'
import http from 'node:http'
import { dirname } from 'node:path'
import { pipeline } from 'node:stream/promises'

/**
 * Streams the emulator's state export (`GET` on the engine's export path, a zip for LocalStack)
 * into `file`, and returns its size. Streaming keeps a large state out of memory.
 */
export async function saveEmulatorState(url: string, file: string): Promise<number> {
  mkdirSync(dirname(file), { recursive: true })
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const request = http.get(url, { timeout: 60_000, agent: false }, resolve)
    request.on('timeout', () => request.destroy(new Error('no answer within 60 s')))
    request.on('error', reject)
  })
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
