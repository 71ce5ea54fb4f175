import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { parseLdd, rootEntries, writeTar } from '../../src/container/lite-image.js'

const debianLdd = `	linux-vdso.so.1 (0x00007ffc4b5f2000)
	libdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f0c1b7d0000)
	libstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f0c1b400000)
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0c1b21e000)
	/lib64/ld-linux-x86-64.so.2 (0x00007f0c1b7f0000)
`
const muslLdd = `	/lib/ld-musl-x86_64.so.1 (0x7f5d0a6e4000)
	libstdc++.so.6 => /usr/lib/libstdc++.so.6 (0x7f5d0a400000)
	libc.musl-x86_64.so.1 => /lib/ld-musl-x86_64.so.1 (0x7f5d0a6e4000)
`

describe('parseLdd', () => {
  test.each([
    [
      'glibc',
      debianLdd,
      [
        '/lib/x86_64-linux-gnu/libdl.so.2',
        '/lib/x86_64-linux-gnu/libstdc++.so.6',
        '/lib/x86_64-linux-gnu/libc.so.6',
        '/lib64/ld-linux-x86-64.so.2',
      ],
    ],
    ['musl, loader listed twice', muslLdd, ['/lib/ld-musl-x86_64.so.1', '/usr/lib/libstdc++.so.6']],
    ['static binary', '\tstatically linked\n', []],
    ['empty', '', []],
  ])('%s', (_name, output, paths) => {
    expect(parseLdd(output)).toEqual(paths)
  })

  test('names a missing library', () => {
    expect(() => parseLdd('\tlibfoo.so.1 => not found\n')).toThrow(
      'ldd cannot find libfoo.so.1, which Node needs.',
    )
  })
})

describe('root filesystem archive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lite-image-test-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  // Stand-ins for node, a library reached through a symlink, and the bundle.
  const node = join(dir, 'node')
  writeFileSync(node, Buffer.alloc(1000, 7))
  const library = join(dir, 'libc.so.6.real')
  writeFileSync(library, 'x'.repeat(512))
  const link = join(dir, 'libc.so.6')
  symlinkSync(library, link)
  const bundle = join(dir, 'emulator.cjs')
  writeFileSync(bundle, 'console.log("Ready.")\n')
  chmodSync(bundle, 0o600)

  test('holds each file at its image path with parents first and symlinks resolved', async () => {
    const entries = await rootEntries(node, [link], bundle)
    const byPath = Object.fromEntries(entries.map((e) => [e.path, e]))
    expect(entries.map((e) => e.path)).toEqual(
      [...entries.map((e) => e.path)].sort((a, b) => (a < b ? -1 : 1)),
    )
    const linkInImage = link.slice(1)
    expect(byPath[linkInImage]).toMatchObject({ source: library, size: 512, mode: 0o755 })
    expect(byPath['usr/local/bin/node']).toMatchObject({ source: node, size: 1000, mode: 0o755 })
    expect(byPath['app/emulator.cjs']).toMatchObject({ source: bundle, mode: 0o644 })
    expect(byPath.tmp).toEqual({ path: 'tmp', mode: 0o1777 })
    for (const entry of entries) {
      const parent = entry.path.split('/').slice(0, -1).join('/')
      if (parent !== '') expect(byPath[parent]?.source).toBeUndefined()
    }
  })

  test('is a ustar archive that tar lists and extracts with the same modes and contents', async () => {
    const entries = await rootEntries(node, [link], bundle)
    const chunks: Buffer[] = []
    for await (const chunk of writeTar(entries)) chunks.push(chunk)
    const archive = Buffer.concat(chunks)
    expect(archive.length % 512).toBe(0)

    const out = join(dir, 'out')
    execFileSync('mkdir', ['-p', out])
    execFileSync('tar', ['-x', '-p', '-C', out], { input: archive })
    expect(readFileSync(join(out, 'usr/local/bin/node'))).toEqual(readFileSync(node))
    expect(readFileSync(join(out, 'app/emulator.cjs'), 'utf8')).toBe('console.log("Ready.")\n')
    expect(statSync(join(out, 'usr/local/bin/node')).mode & 0o777).toBe(0o755)
    expect(statSync(join(out, 'app/emulator.cjs')).mode & 0o777).toBe(0o644)
    expect(statSync(join(out, link.slice(1))).isFile()).toBe(true)
    expect(statSync(join(out, 'tmp')).mode & 0o7777).toBe(0o1777)

    const listing = execFileSync('tar', ['-t', '-v'], { input: archive }).toString()
    expect(listing).toMatch(/^-rwxr-xr-x root\/root\s+1000 .* usr\/local\/bin\/node$/m)
  })

  test('splits a path longer than 100 bytes into the ustar prefix', async () => {
    const deep = `${'d'.repeat(60)}/${'e'.repeat(60)}/file`
    const chunks: Buffer[] = []
    for await (const chunk of writeTar([{ path: deep, mode: 0o644, source: bundle, size: 22 }])) {
      chunks.push(chunk)
    }
    const listing = execFileSync('tar', ['-t'], { input: Buffer.concat(chunks) }).toString()
    expect(listing.trim()).toBe(deep)
  })

  test('refuses a file whose size changed after it was listed', async () => {
    const read = async () => {
      for await (const _ of writeTar([{ path: 'f', mode: 0o644, source: bundle, size: 5 }])) {
        // drain
      }
    }
    await expect(read()).rejects.toThrow(`${bundle} changed size while the image was being built.`)
  })
})
