/**
 * The program of a Docker host's reaper: one small container per host that, every few seconds,
 * removes the preview containers whose expiry has passed, and exits by itself once no preview
 * is left. A preview's expiry is its `ephemera.expires-at` label, or a later one on a lease (a
 * container that is created, never started, only to carry a label: labels of a running
 * container cannot change, and reuse moves the expiry out).
 *
 * It is passed to `node -e`, so any image with Node runs it; what it needs comes from its
 * environment, never from text pasted into the program.
 */
export const REAPER_PROGRAM = `
const http = require('node:http');
const every = Number(process.env.REAP_INTERVAL_MS || 5000);
const docker = process.env.REAP_DOCKER || '/var/run/docker.sock';
const endpoint = docker.startsWith('tcp://')
  ? { host: new URL(docker).hostname, port: Number(new URL(docker).port) }
  : { socketPath: docker };
function call(method, path) {
  return new Promise((resolve, reject) => {
    const request = http.request({ ...endpoint, method, path }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    request.on('error', reject);
    request.end();
  });
}
async function remove(container, why) {
  const { status } = await call('DELETE', '/containers/' + container.Id + '?force=true&v=true');
  console.log('removed ' + (container.Names[0] || container.Id) + ' (' + why + '): ' + status);
}
const expiry = (c) => Date.parse(c.Labels['ephemera.expires-at'] || '');
async function sweep() {
  const filters = encodeURIComponent(JSON.stringify({ label: ['ephemera.tool=ephemera'] }));
  const all = JSON.parse((await call('GET', '/containers/json?all=1&filters=' + filters)).body);
  const previews = all.filter((c) => c.Labels['ephemera.role'] === 'preview');
  const leases = all.filter((c) => c.Labels['ephemera.role'] === 'lease');
  const now = Date.now();
  let left = 0;
  for (const preview of previews) {
    const own = leases.filter((l) => l.Labels['ephemera.lease-for'] === preview.Id);
    const at = Math.max(expiry(preview), ...own.map(expiry));
    if (Number.isNaN(at) || at > now) { left++; continue; }
    await remove(preview, 'expired at ' + new Date(at).toISOString());
    for (const lease of own) await remove(lease, 'its preview expired');
  }
  const ids = new Set(previews.map((p) => p.Id));
  for (const lease of leases.filter((l) => !ids.has(l.Labels['ephemera.lease-for']))) {
    await remove(lease, 'its preview is gone');
  }
  return left;
}
let idle = 0;
async function tick() {
  try {
    idle = (await sweep()) === 0 ? idle + 1 : 0;
    // Twice empty, a few seconds apart: a preview launched meanwhile would have shown up.
    if (idle >= 2) { console.log('no previews left; exiting'); process.exit(0); }
  } catch (error) {
    console.log('sweep failed: ' + error.message);
  }
  setTimeout(tick, every);
}
process.on('SIGTERM', () => process.exit(0));
console.log('reaping expired previews every ' + every + ' ms');
tick();
`
