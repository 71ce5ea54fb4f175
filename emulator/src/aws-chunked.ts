import { type IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { Transform, type TransformCallback } from 'node:stream'

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done'

// A chunk header is hex digits plus an optional signature; anything this long is not one.
const maxLineBytes = 4096

/**
 * True when the body uses the `aws-chunked` framing that current SDKs send for streamed
 * uploads with a trailing checksum, which s3rver predates and would store verbatim.
 */
export function isAwsChunked(headers: IncomingHttpHeaders): boolean {
  const encoding = String(headers['content-encoding'] ?? '')
  const sha = String(headers['x-amz-content-sha256'] ?? '')
  return encoding.split(',').some((e) => e.trim() === 'aws-chunked') || sha.startsWith('STREAMING-')
}

/**
 * Strips `aws-chunked` framing: `<hex size>[;chunk-signature=...]\r\n<data>\r\n` repeated,
 * a zero-size chunk, then trailer lines (checksums) up to an empty line.
 */
export class AwsChunkedDecoder extends Transform {
  private state: State = 'size'
  private remaining = 0
  private pending: Buffer = Buffer.alloc(0)
  readonly trailers: Record<string, string> = {}

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk
    this.pending = Buffer.alloc(0)
    try {
      this.consume(buf)
      callback()
    } catch (error) {
      callback(error as Error)
    }
  }

  override _flush(callback: TransformCallback): void {
    // Some clients end after the zero-size chunk without the final empty line.
    const complete =
      this.state === 'done' || (this.state === 'trailer' && this.pending.length === 0)
    callback(
      complete ? null : new Error(`aws-chunked body ended early (while reading ${this.state})`),
    )
  }

  private consume(buf: Buffer): void {
    let offset = 0
    while (offset < buf.length) {
      if (this.state === 'data') {
        const n = Math.min(this.remaining, buf.length - offset)
        this.push(buf.subarray(offset, offset + n))
        offset += n
        this.remaining -= n
        if (this.remaining === 0) this.state = 'data-end'
        continue
      }

      const eol = buf.indexOf('\r\n', offset)
      if (eol === -1) {
        this.pending = buf.subarray(offset)
        if (this.pending.length > maxLineBytes) throw new Error('aws-chunked line too long')
        return
      }
      this.readLine(buf.toString('latin1', offset, eol))
      offset = eol + 2
    }
  }

  private readLine(line: string): void {
    switch (this.state) {
      case 'size': {
        const hex = (line.split(';')[0] ?? '').trim()
        if (!/^[0-9a-fA-F]+$/.test(hex)) throw new Error(`bad aws-chunked size line '${line}'`)
        this.remaining = Number.parseInt(hex, 16)
        this.state = this.remaining === 0 ? 'trailer' : 'data'
        return
      }
      case 'data-end':
        if (line !== '') throw new Error('aws-chunked data longer than its declared size')
        this.state = 'size'
        return
      case 'trailer': {
        if (line === '') {
          this.state = 'done'
          return
        }
        const colon = line.indexOf(':')
        if (colon > 0)
          this.trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
        return
      }
      default:
        throw new Error('bytes after the end of an aws-chunked body')
    }
  }
}

/**
 * A request that reads as the decoded body, with headers describing that body, for handlers
 * that only know plain uploads. Back-pressure flows from the copy to the original request.
 */
export function decodeAwsChunkedRequest(req: IncomingMessage): IncomingMessage {
  const headers: IncomingHttpHeaders = { ...req.headers }
  const encodings = String(headers['content-encoding'] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '' && e !== 'aws-chunked')
  if (encodings.length > 0) headers['content-encoding'] = encodings.join(',')
  else delete headers['content-encoding']
  const decodedLength = headers['x-amz-decoded-content-length']
  if (typeof decodedLength === 'string') headers['content-length'] = decodedLength
  delete headers['transfer-encoding']
  headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD'

  const copy = new IncomingMessage(req.socket)
  Object.assign(copy, {
    headers,
    method: req.method,
    url: req.url,
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    httpVersionMinor: req.httpVersionMinor,
  })
  const decoder = new AwsChunkedDecoder()
  decoder.on('data', (chunk: Buffer) => {
    if (!copy.push(chunk)) decoder.pause()
  })
  decoder.on('end', () => {
    // An IncomingMessage destroyed before `complete` counts as aborted and takes the socket
    // (and the response on it) down with it.
    copy.complete = true
    copy.push(null)
  })
  decoder.on('error', (error) => copy.destroy(error))
  copy._read = () => {
    decoder.resume()
  }
  req.pipe(decoder)
  return copy
}
