// Deploys the sample static site to the emulator the deploy step points at: a bucket, the page,
// and a link for the PR comment. Uses only AWS_ENDPOINT_URL and the exported credentials, so
// the same script deploys to a real account when those are real.
import { appendFile, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'

const bucket = process.env.SITE_BUCKET ?? 'site'
const here = dirname(fileURLToPath(import.meta.url))
const s3 = new S3Client({ forcePathStyle: true })

try {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }))
} catch (error) {
  if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error
}
const page = await readFile(join(here, 'index.html'))
await s3.send(
  new PutObjectCommand({ Bucket: bucket, Key: 'index.html', Body: page, ContentType: 'text/html' }),
)
const url = `${process.env.PREVIEW_URL ?? process.env.AWS_ENDPOINT_URL}/${bucket}/index.html`
console.log(`deployed s3://${bucket}/index.html (${page.length} bytes); open ${url}`)
if (process.env.PREVIEW_LINKS_FILE)
  await appendFile(process.env.PREVIEW_LINKS_FILE, `Sample site=${url}\n`)
s3.destroy()
