import http from 'node:http'
import https from 'node:https'

// node:http(s) rather than fetch: fetch loads undici, tens of milliseconds at every step start.

/** Opens a GET and resolves with the response, whatever its status; the caller reads it. */
export function openGet(
  url: string,
  opts: { timeoutMs: number; headers?: Record<string, string> },
): Promise<http.IncomingMessage> {
  const client = url.startsWith('https:') ? https : http
  return new Promise((resolve, reject) => {
    const request = client.get(
      url,
      { timeout: opts.timeoutMs, agent: false, headers: opts.headers ?? {} },
      resolve,
    )
    request.on('timeout', () => request.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)))
    request.on('error', reject)
  })
}

/** A GET whose whole body is read as text. */
export async function getText(
  url: string,
  opts: { timeoutMs: number; headers?: Record<string, string> },
): Promise<{ status: number; body: string }> {
  const response = await openGet(url, opts)
  const chunks: Buffer[] = []
  for await (const chunk of response) chunks.push(chunk as Buffer)
  return { status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }
}
