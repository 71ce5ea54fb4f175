import { createHash } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type RegistryServer, startRegistry } from '../servers/registry.js'
import {
  IMAGE_CONFIG,
  imageConfig,
  LAYER_GZIP,
  MANIFEST_V2,
  packImage,
  type RegistryImage,
} from '../servers/registry-image.js'
import { readTar, writeTar } from '../servers/registry-tar.js'

const BASE_LAYER = writeTar({
  'etc/os-release': 'NAME=test\n',
  'bin/hello': '#!/bin/sh\necho hi\n',
})
const APP_LAYER = writeTar({ 'app/main.js': 'console.log("app")\n'.repeat(200) })

let image: RegistryImage
let registry: RegistryServer

function digestOf(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`
}

async function get(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${registry.url}${path}`, init)
}

async function errorCodes(res: Response): Promise<string[]> {
  const body = (await res.json()) as { errors: Array<{ code: string }> }
  return body.errors.map((e) => e.code)
}

function basic(username: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` }
}

beforeAll(async () => {
  image = await packImage({ config: imageConfig(['/bin/hello']), layers: [BASE_LAYER, APP_LAYER] })
})

beforeEach(async () => {
  registry = await startRegistry()
  registry.push('ephemera/lite', '1.0', image)
})

afterEach(async () => {
  await registry.close()
})

describe('tar', () => {
  it('reads back what it writes, files only, in full', () => {
    const files = readTar(writeTar({ 'a.txt': 'alpha', 'dir/b.bin': Buffer.alloc(1500, 7) }))
    expect([...files.keys()]).toEqual(['a.txt', 'dir/b.bin'])
    expect(files.get('a.txt')?.toString()).toBe('alpha')
    expect(files.get('dir/b.bin')).toEqual(Buffer.alloc(1500, 7))
  })
})

describe('packing', () => {
  it('describes each blob by the digest and size of the bytes it holds', async () => {
    const manifest = JSON.parse(image.manifest.toString()) as {
      schemaVersion: number
      mediaType: string
      config: { mediaType: string; digest: string; size: number }
      layers: Array<{ mediaType: string; digest: string; size: number }>
    }
    expect(manifest).toMatchObject({ schemaVersion: 2, mediaType: MANIFEST_V2 })
    expect(manifest.config).toEqual({
      mediaType: IMAGE_CONFIG,
      digest: digestOf(image.config.data),
      size: image.config.data.length,
    })
    expect(manifest.layers).toEqual(
      image.layers.map((l) => ({ mediaType: LAYER_GZIP, digest: digestOf(l.data), size: l.size })),
    )
    expect(image.digest).toBe(digestOf(image.manifest))
  })

  it('sets the config rootfs to the digests of the uncompressed layers', () => {
    const config = JSON.parse(image.config.data.toString()) as { rootfs: unknown }
    expect(config.rootfs).toEqual({
      type: 'layers',
      diff_ids: [digestOf(BASE_LAYER), digestOf(APP_LAYER)],
    })
    expect(image.layers.map((l) => gunzipSync(l.data))).toEqual([BASE_LAYER, APP_LAYER])
  })

  it('changes the layer digests but not the layers with another gzip time', async () => {
    const other = await packImage(
      { config: imageConfig(['/bin/hello']), layers: [BASE_LAYER, APP_LAYER] },
      { gzipTime: 1_700_000_000 },
    )
    expect(other.layers.map((l) => l.digest)).not.toContain(image.layers[0]?.digest)
    expect(other.layers.map((l) => gunzipSync(l.data))).toEqual([BASE_LAYER, APP_LAYER])
    expect(other.config.digest).toBe(image.config.digest)
  })
})

describe('serving', () => {
  it('answers the version check', async () => {
    const res = await get('/v2/')
    expect(res.status).toBe(200)
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0')
  })

  it('serves the manifest by tag and by digest, with its digest in a header', async () => {
    for (const ref of ['1.0', image.digest]) {
      const res = await get(`/v2/ephemera/lite/manifests/${ref}`, {
        headers: { accept: MANIFEST_V2 },
      })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe(MANIFEST_V2)
      const body = Buffer.from(await res.arrayBuffer())
      expect(digestOf(body)).toBe(image.digest)
      expect(res.headers.get('docker-content-digest')).toBe(image.digest)
    }
  })

  it('answers HEAD on a manifest with its headers and no body', async () => {
    const res = await get('/v2/ephemera/lite/manifests/1.0', { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('docker-content-digest')).toBe(image.digest)
    expect(res.headers.get('content-length')).toBe(String(image.manifest.length))
    expect((await res.arrayBuffer()).byteLength).toBe(0)
  })

  it('serves every blob the manifest names, matching its digest', async () => {
    const manifest = JSON.parse(
      Buffer.from(await (await get('/v2/ephemera/lite/manifests/1.0')).arrayBuffer()).toString(),
    ) as { config: { digest: string }; layers: Array<{ digest: string; size: number }> }
    for (const { digest } of [manifest.config, ...manifest.layers]) {
      const res = await get(`/v2/ephemera/lite/blobs/${digest}`)
      expect(res.status).toBe(200)
      const body = Buffer.from(await res.arrayBuffer())
      expect(digestOf(body)).toBe(digest)
      expect(res.headers.get('docker-content-digest')).toBe(digest)
    }
    const layer = await get(`/v2/ephemera/lite/blobs/${manifest.layers[1]?.digest}`)
    const files = readTar(gunzipSync(Buffer.from(await layer.arrayBuffer())))
    expect(files.get('app/main.js')?.toString()).toContain('console.log("app")')
  })

  it('serves part of a blob for a range request', async () => {
    const layer = image.layers[1]
    if (!layer) throw new Error('test image has no second layer')
    const res = await get(`/v2/ephemera/lite/blobs/${layer.digest}`, {
      headers: { range: 'bytes=10-' },
    })
    expect(res.status).toBe(206)
    expect(res.headers.get('content-range')).toBe(`bytes 10-${layer.size - 1}/${layer.size}`)
    expect(Buffer.from(await res.arrayBuffer())).toEqual(layer.data.subarray(10))
  })

  it('lists the tags of a repository', async () => {
    registry.push('ephemera/lite', '0.9', image)
    const res = await get('/v2/ephemera/lite/tags/list')
    expect(await res.json()).toEqual({ name: 'ephemera/lite', tags: ['0.9', '1.0'] })
  })
})

describe('errors', () => {
  it.each([
    ['an unknown tag', '/v2/ephemera/lite/manifests/2.0', 'MANIFEST_UNKNOWN'],
    [
      'an unknown digest',
      `/v2/ephemera/lite/manifests/sha256:${'0'.repeat(64)}`,
      'MANIFEST_UNKNOWN',
    ],
    ['an unknown repository', '/v2/ephemera/other/manifests/1.0', 'NAME_UNKNOWN'],
    ['an unknown blob', `/v2/ephemera/lite/blobs/sha256:${'0'.repeat(64)}`, 'BLOB_UNKNOWN'],
  ])('answers %s with 404 and the registry error', async (_what, path, code) => {
    const res = await get(path)
    expect(res.status).toBe(404)
    expect(await errorCodes(res)).toEqual([code])
  })

  it('keeps blobs to the repositories that hold them', async () => {
    registry.push('ephemera/other', '1.0', await packImage({ config: imageConfig([]), layers: [] }))
    const res = await get(`/v2/ephemera/other/blobs/${image.layers[0]?.digest}`)
    expect(res.status).toBe(404)
    expect(await errorCodes(res)).toEqual(['BLOB_UNKNOWN'])
  })

  it('forgets a tag that was removed', async () => {
    registry.untag('ephemera/lite', '1.0')
    const res = await get('/v2/ephemera/lite/manifests/1.0')
    expect(await errorCodes(res)).toEqual(['MANIFEST_UNKNOWN'])
  })

  it('refuses to take pushes', async () => {
    const res = await get('/v2/ephemera/lite/blobs/uploads/', { method: 'POST' })
    expect(res.status).toBe(405)
  })
})

describe('credentials', () => {
  beforeEach(() => {
    registry.push('ephemera/private', '1.0', image)
    registry.protect('ephemera/private', { username: 'ci', password: 's3cret' })
  })

  it.each([
    ['no credentials', {}],
    ['a wrong password', basic('ci', 'guess')],
  ])('challenges a request with %s for a protected repository', async (_what, headers) => {
    const res = await get('/v2/ephemera/private/manifests/1.0', { headers })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="ephemera test registry"')
    expect(await errorCodes(res)).toEqual(['UNAUTHORIZED'])
  })

  it('serves a protected repository with the right credentials, and others without', async () => {
    const res = await get('/v2/ephemera/private/manifests/1.0', {
      headers: basic('ci', 's3cret'),
    })
    expect(res.status).toBe(200)
    expect((await get('/v2/ephemera/lite/manifests/1.0')).status).toBe(200)
    expect((await get('/v2/')).status).toBe(200)
    expect(registry.requests.map((r) => r.withCredentials)).toEqual([true, false, false])
  })

  it('challenges the version check too when asked to, as a login-only registry does', async () => {
    const strict = await startRegistry({ challengeBase: true, realm: 'strict' })
    try {
      strict.protect('ephemera/private', { username: 'ci', password: 's3cret' })
      const anonymous = await fetch(`${strict.url}/v2/`)
      expect(anonymous.status).toBe(401)
      expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="strict"')
      const known = await fetch(`${strict.url}/v2/`, { headers: basic('ci', 's3cret') })
      expect(known.status).toBe(200)
    } finally {
      await strict.close()
    }
  })
})

describe('faults', () => {
  it('answers 429 with the rate-limit error for as many times as asked, then serves', async () => {
    registry.inject({ path: /\/manifests\//, status: 429, times: 2, retryAfter: 3 })
    const first = await get('/v2/ephemera/lite/manifests/1.0')
    expect(first.status).toBe(429)
    expect(first.headers.get('retry-after')).toBe('3')
    expect(await errorCodes(first)).toEqual(['TOOMANYREQUESTS'])
    expect((await get('/v2/ephemera/lite/manifests/1.0', { method: 'HEAD' })).status).toBe(429)
    expect((await get('/v2/ephemera/lite/manifests/1.0')).status).toBe(200)
    expect(registry.requests.map((r) => `${r.method} ${r.status}`)).toEqual([
      'GET 429',
      'HEAD 429',
      'GET 200',
    ])
  })

  it('leaves requests that do not match the path or method alone', async () => {
    registry.inject({ path: /\/blobs\//, method: 'GET', status: 503, times: 1 })
    const blob = `/v2/ephemera/lite/blobs/${image.config.digest}`
    expect((await get('/v2/ephemera/lite/manifests/1.0')).status).toBe(200)
    expect((await get(blob, { method: 'HEAD' })).status).toBe(200)
    expect((await get(blob)).status).toBe(503)
    expect((await get(blob)).status).toBe(200)
  })

  it.each([
    [500, 'application/json; charset=utf-8', /"code":"UNKNOWN"/],
    [502, 'text/html', /502 Bad Gateway/],
    [503, 'text/html', /503 Service Unavailable/],
  ] as const)('answers %i as a registry or its proxy would', async (status, type, body) => {
    registry.inject({ path: /^\/v2\/$/, status, times: 1 })
    const res = await get('/v2/')
    expect(res.status).toBe(status)
    expect(res.headers.get('content-type')).toBe(type)
    expect(await res.text()).toMatch(body)
  })

  it('faults before checking credentials, as a rate limiter in front would', async () => {
    registry.push('ephemera/private', '1.0', image)
    registry.protect('ephemera/private', { username: 'ci', password: 's3cret' })
    registry.inject({ path: /private/, status: 429, times: 1 })
    expect((await get('/v2/ephemera/private/manifests/1.0')).status).toBe(429)
    expect((await get('/v2/ephemera/private/manifests/1.0')).status).toBe(401)
  })

  it('rejects a fault that would never fire', () => {
    expect(() => registry.inject({ path: /x/, status: 500, times: 0 })).toThrow(/times >= 1/)
  })
})

describe('lifecycle', () => {
  it('listens on a loopback port of its own and closes with connections still open', async () => {
    const other = await startRegistry()
    expect(other.host).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(other.port).not.toBe(registry.port)
    await fetch(`${other.url}/v2/`, { headers: { connection: 'keep-alive' } })
    await other.close()
    await expect(fetch(`${other.url}/v2/`)).rejects.toThrow()
  })
})
