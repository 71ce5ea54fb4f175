/**
 * The program a reaper container runs: it sleeps until the preview's expiry, then removes the
 * preview's containers through the Docker API and exits (the reaper itself is auto-removed).
 * It is passed to `node -e`, so any image with Node runs it; everything it needs comes from its
 * environment, never from text pasted into the program.
 */
export const REAPER_PROGRAM = `
const http = require('node:http');
const at = Date.parse(process.env.REAP_AT || '');
const ids = (process.env.REAP_IDS || '').split(',').filter(Boolean);
const target = process.env.REAP_DOCKER || '/var/run/docker.sock';
function remove(id) {
  return new Promise((resolve) => {
    const options = target.startsWith('tcp://')
      ? { host: new URL(target).hostname, port: Number(new URL(target).port) }
      : { socketPath: target };
    const request = http.request(
      { ...options, method: 'DELETE', path: '/containers/' + encodeURIComponent(id) + '?force=true&v=true' },
      (response) => { response.resume(); response.on('end', () => { console.log('removed ' + id + ': ' + response.statusCode); resolve(); }); },
    );
    request.on('error', (error) => { console.log('removing ' + id + ' failed: ' + error.message); resolve(); });
    request.end();
  });
}
async function reap() { for (const id of ids) await remove(id); process.exit(0); }
process.on('SIGTERM', () => process.exit(0));
if (Number.isNaN(at) || ids.length === 0) { console.log('nothing to reap'); process.exit(2); }
// setTimeout holds at most 2^31-1 ms (24.8 days); wake up in steps for longer lifetimes.
function wait() {
  const left = at - Date.now();
  if (left <= 0) return void reap();
  setTimeout(wait, Math.min(left, 2147483647));
}
console.log('reaping ' + ids.join(',') + ' at ' + new Date(at).toISOString());
wait();
`
