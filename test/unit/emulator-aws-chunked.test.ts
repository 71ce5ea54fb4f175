import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { describe, expect, test } from 'vitest'
import { AwsChunkedDecoder, isAwsChunked } from '../../emulator/src/aws-chunked.js'

async function decode(
  pieces: string[],
): Promise<{ body: string; trailers: Record<string, string> }> {
  const decoder = new AwsChunkedDecoder()
  const body = await text(Readable.from(pieces.map((p) => Buffer.from(p, 'latin1'))).pipe(decoder))
  return { body, trailers: decoder.trailers }
}

// Splits a body at every offset, so chunk boundaries fall inside headers, data and CRLFs.
function everySplit(raw: string): string[][] {
  return Array.from({ length: raw.length - 1 }, (_, i) => [raw.slice(0, i + 1), raw.slice(i + 1)])
}

const unsignedTrailer = 'd\r\nstreamed body\r\n0\r\nx-amz-checksum-crc32:z7Y9bA==\r\n\r\n'
const signed =
  '5;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\nhello\r\n' +
  '6;chunk-signature=0123\r\n world\r\n0;chunk-signature=abcd\r\n\r\n'

describe('AwsChunkedDecoder', () => {
  test.each([
    [
      'unsigned with a trailing checksum',
      [unsignedTrailer],
      'streamed body',
      { 'x-amz-checksum-crc32': 'z7Y9bA==' },
    ],
    ['signed chunks, no trailer', [signed], 'hello world', {}],
    ['upper-case hex size', ['A\r\n0123456789\r\n0\r\n\r\n'], '0123456789', {}],
    ['empty body', ['0\r\n\r\n'], '', {}],
    ['no final empty line', ['3\r\nabc\r\n0\r\n'], 'abc', {}],
    ['binary bytes kept', ['4\r\n\r\n\r\n\r\n0\r\n\r\n'], '\r\n\r\n', {}],
  ])('%s', async (_name, pieces, body, trailers) => {
    expect(await decode(pieces)).toEqual({ body, trailers })
  })

  test.each(everySplit(unsignedTrailer))('split %j', async (...pieces) => {
    expect((await decode(pieces)).body).toBe('streamed body')
  })

  test.each([
    ['a size that is not hex', ['zz\r\nabc\r\n0\r\n\r\n'], "bad aws-chunked size line 'zz'"],
    [
      'data longer than declared',
      ['2\r\nabc\r\n0\r\n\r\n'],
      'aws-chunked data longer than its declared size',
    ],
    ['a body cut short', ['5\r\nabc'], 'aws-chunked body ended early (while reading data)'],
    ['no terminating chunk', ['3\r\nabc\r\n'], 'aws-chunked body ended early (while reading size)'],
    ['bytes after the end', ['0\r\n\r\nextra\r\n'], 'bytes after the end of an aws-chunked body'],
  ])('fails on %s', async (_name, pieces, message) => {
    await expect(decode(pieces)).rejects.toThrow(message)
  })
})

describe('isAwsChunked', () => {
  test.each([
    [{ 'content-encoding': 'aws-chunked' }, true],
    [{ 'content-encoding': 'gzip, aws-chunked' }, true],
    [{ 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' }, true],
    [{ 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' }, true],
    [{ 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, false],
    [{ 'content-encoding': 'gzip' }, false],
    [{}, false],
  ])('%j -> %s', (headers, chunked) => {
    expect(isAwsChunked(headers)).toBe(chunked)
  })
})
