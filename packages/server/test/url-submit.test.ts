import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { waitForResult } from '../../../test-support/api.js';
import { png } from '../../../test-support/images.js';
import { Stack } from '../../../test-support/processes.js';

/**
 * Images by URL. Fetches go to a server of the test's own on 127.0.0.1, with private
 * addresses allowed (redirects, too large, too slow, not an image, gone). A second stack
 * keeps the default, and every special-use address is refused at submit: its image
 * server is never asked, and nothing is sent outside 127.0.0.0/8.
 */
const urls = suite('images by URL');
let images: Server;
let origin = '';
const seen: string[] = [];
let picture: Buffer;
const open = new Stack({ URL_FETCH_ALLOW_PRIVATE: 'true', URL_FETCH_TIMEOUT_MS: '1500', MAX_UPLOAD_MB: '1', BATCH_MAX: '5', ANALYZER_OCR: 'off' });
const guarded = new Stack({ ANALYZER_OCR: 'off' });

urls.before(async () => {
  picture = await png({ width: 64, height: 48 });
  images = createServer((req, res) => {
    seen.push(req.url ?? '');
    const hop = /^\/hop\/(\d+)$/.exec(req.url ?? '');
    if (hop) {
      const left = Number(hop[1]);
      res.writeHead(302, { location: left > 0 ? `/hop/${left - 1}` : '/pictures/cat%20photo.png' }).end();
    } else if (req.url === '/pictures/cat%20photo.png') {
      res.writeHead(200, { 'content-type': 'image/png' }).end(picture);
    } else if (req.url === '/big.png') {
      res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.concat([picture, Buffer.alloc(1.5 * 1024 * 1024)]));
    } else if (req.url === '/slow.png') {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.write(picture.subarray(0, 10)); // and nothing more
    } else if (req.url === '/page.html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not an image</html>');
    } else {
      res.writeHead(404).end();
    }
  });
  images.listen(0, '127.0.0.1');
  await once(images, 'listening');
  origin = `http://127.0.0.1:${(images.address() as { port: number }).port}`;
  await Promise.all([open.start(), guarded.start()]);
});
urls.after(async () => {
  await Promise.all([open.stop(), guarded.stop()]);
  images.closeAllConnections();
  images.close();
});

async function submitJson(stack: Stack, body: unknown) {
  const res = await fetch(`${stack.url}/submit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

urls('a URL in JSON is fetched through up to 3 redirects and described like an upload, named after the image', async () => {
  const sent = await submitJson(open, { url: `${origin}/hop/2`, length: 'alt' });
  assert.is(sent.status, 202, JSON.stringify(sent.body));
  const result = await waitForResult(open.url, sent.body.job_id);
  assert.is(result.body.status, 'done', JSON.stringify(result.body));
  assert.ok(result.body.description.length <= 125);
  assert.equal(seen.slice(-4), ['/hop/2', '/hop/1', '/hop/0', '/pictures/cat%20photo.png']);
  // Named after the last segment of the URL that answered.
  const status = (await (await fetch(`${open.url}/status/${sent.body.job_id}`)).json()) as { filename?: string };
  assert.is(status.filename, 'cat photo.png');
});

urls('a URL as a multipart field works the same', async () => {
  const form = new FormData();
  form.append('url', `${origin}/pictures/cat%20photo.png`);
  form.append('cache', 'false');
  const res = await fetch(`${open.url}/submit`, { method: 'POST', body: form });
  assert.is(res.status, 202);
});

urls('each failure has its code: redirects, size, time, not an image, gone', async () => {
  const cases: Array<[string, number, string]> = [
    [`${origin}/hop/3`, 502, 'url_unreachable'], // a 4th redirect
    [`${origin}/big.png`, 413, 'too_large'],
    [`${origin}/slow.png`, 504, 'url_timeout'],
    [`${origin}/page.html`, 415, 'unsupported_media_type'],
    [`${origin}/gone.png`, 502, 'url_unreachable'],
    ['ftp://127.0.0.1/a.png', 400, 'url_refused'],
    ['not a url', 400, 'bad_request'],
  ];
  for (const [url, status, code] of cases) {
    const sent = await submitJson(open, { url });
    assert.is(sent.status, status, `${url}: ${JSON.stringify(sent.body)}`);
    assert.is(sent.body.error.code, code, url);
  }
});

urls('a batch of URLs: one job or one error per URL, in order', async () => {
  const sent = await submitJson(open, { url: [`${origin}/pictures/cat%20photo.png`, `${origin}/gone.png`], cache: 'false' });
  assert.is(sent.status, 202);
  assert.is(sent.body.jobs.length, 2);
  assert.ok(sent.body.jobs[0].job_id);
  assert.is(sent.body.jobs[1].error.code, 'url_unreachable');
});

urls('by default every special-use address is refused at submit, and nothing is fetched', async () => {
  const before = seen.length;
  const port = new URL(origin).port;
  const refused = [
    `${origin}/pictures/cat%20photo.png`,
    `http://localhost:${port}/pictures/cat%20photo.png`,
    `http://[::ffff:127.0.0.1]:${port}/pictures/cat%20photo.png`,
    `http://[::1]:${port}/x.png`,
    'http://10.0.0.1/x.png',
    'http://169.254.169.254/latest/meta-data/',
    'http://[64:ff9b::7f00:1]/x.png',
    'http://198.18.0.1/x.png',
  ];
  for (const url of refused) {
    const sent = await submitJson(guarded, { url });
    assert.is(sent.status, 400, `${url}: ${JSON.stringify(sent.body)}`);
    assert.is(sent.body.error.code, 'url_refused', url);
    assert.match(sent.body.error.message, /URL_FETCH_ALLOW_PRIVATE/);
  }
  assert.is(seen.length, before, 'the image server was never asked');
});

urls.run();
