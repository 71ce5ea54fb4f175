// Just enough tar for the loopback registry: reading the archive the engine's image export
// writes, and writing small layers for tests that need no engine.

/** Regular files of a tar archive, by path; directories and links are left out. */
export function readTar(archive: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>()
  let longName: string | undefined
  for (let offset = 0; offset + 512 <= archive.length; ) {
    const header = archive.subarray(offset, offset + 512)
    if (header.every((byte) => byte === 0)) break
    const size = readOctal(header, 124, 12)
    const type = String.fromCharCode(header[156] || 48)
    const body = archive.subarray(offset + 512, offset + 512 + size)
    offset += 512 + Math.ceil(size / 512) * 512

    // GNU long names and pax headers carry the path of the entry that follows them.
    if (type === 'L') {
      longName = cString(body)
      continue
    }
    if (type === 'x') {
      longName = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1] ?? longName
      continue
    }
    const prefix = cString(header.subarray(345, 500))
    const name = longName ?? (prefix ? `${prefix}/` : '') + cString(header.subarray(0, 100))
    longName = undefined
    if (type === '0' || type === '\u0000') files.set(name.replace(/^\.\//, ''), Buffer.from(body))
  }
  return files
}

/** A ustar archive holding these files (paths up to 100 bytes), owned by root. */
export function writeTar(files: Record<string, string | Buffer>): Buffer {
  const parts: Buffer[] = []
  for (const [path, content] of Object.entries(files)) {
    const data = Buffer.from(content)
    if (Buffer.byteLength(path) > 100) throw new Error(`tar path too long: ${path}`)
    const header = Buffer.alloc(512)
    header.write(path, 0, 100, 'utf8')
    writeOctal(header, 100, 8, 0o644)
    writeOctal(header, 108, 8, 0)
    writeOctal(header, 116, 8, 0)
    writeOctal(header, 124, 12, data.length)
    writeOctal(header, 136, 12, 0)
    header.write('        ', 148, 8, 'latin1')
    header.write('0', 156, 1, 'latin1')
    header.write('ustar\u000000', 257, 8, 'latin1')

    let sum = 0
    for (const byte of header) sum += byte
    header.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1')
    parts.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512))
  }
  parts.push(Buffer.alloc(1024))
  return Buffer.concat(parts)
}

function readOctal(header: Buffer, offset: number, length: number): number {
  const text = cString(header.subarray(offset, offset + length)).trim()
  return text === '' ? 0 : Number.parseInt(text, 8)
}

function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  header.write(`${value.toString(8).padStart(length - 1, '0')}\u0000`, offset, length, 'latin1')
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0)
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8')
}
