/**
 * Joins Docker's multiplexed log stream (containers without a TTY) into text. Each frame is an
 * 8-byte header (stream type, three zero bytes, big-endian length) and then the payload; a
 * buffer that does not start like a frame is a TTY log and is returned as it is.
 */
export function demuxLogs(raw: Buffer): string {
  const parts: Buffer[] = []
  let offset = 0
  while (offset + 8 <= raw.length) {
    const type = raw[offset]
    if ((type !== 0 && type !== 1 && type !== 2) || raw.readUIntBE(offset + 1, 3) !== 0) {
      return offset === 0 ? raw.toString('utf8') : Buffer.concat(parts).toString('utf8')
    }
    const size = raw.readUInt32BE(offset + 4)
    parts.push(raw.subarray(offset + 8, offset + 8 + size))
    offset += 8 + size
  }
  if (offset === 0) return raw.toString('utf8')
  return Buffer.concat(parts).toString('utf8')
}

/** The last `count` non-empty lines of a log. */
export function lastLines(text: string, count: number): string[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '')
  return lines.slice(-count)
}
