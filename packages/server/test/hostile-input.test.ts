import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { get, submit, waitForResult } from '../../../test-support/api.js';
import { brokenExif, cutEnd, damaged, pngClaiming } from '../../../test-support/hostile-images.js';
import { png, scene, sharp } from '../../../test-support/images.js';
import { waitFor } from '../../../test-support/ports.js';
import { Stack } from '../../../test-support/processes.js';

/**
 * A corpus of hostile files and requests. Each gets its documented status and code;
 * valid-but-unusual images are accepted and described; the server stays small and the
 * next good upload works. Then random bodies and ids at every route: no 5xx.
 */
const hostile = suite('hostile input');
const stack = new Stack({ MAX_UPLOAD_MB: '2', UPLOAD_TIMEOUT_MS: '1500', ANALYZER_OCR: 'off', BATCH_MAX: '1' });

hostile.before(async () => {
  await stack.start();
});
hostile.after(async () => {
  await stack.stop();
});

function serverRssMb(): number {
  const status = readFileSync(`/proc/${stack.server.proc.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function uploadsLeft(): Promise<string[]> {
  return readdir(path.join(stack.dataDir, 'uploads', 'tmp'));
}

const good = await png({ width: 64, height: 48 });
const jpegBase = await sharp({ create: { width: 120, height: 80, channels: 3, background: '#c05030' } }).jpeg().toBuffer();

type Case = [name: string, bytes: () => Promise<Buffer> | Buffer, status: number, code: string | null, filename?: string, type?: string];

const files: Case[] = [
  ['a truncated PNG', async () => (await scene(300, 200, 'png')).subarray(0, 900), 422, 'corrupt_image'],
  ['a truncated JPEG', async () => (await scene(300, 200, 'jpeg')).subarray(0, 1500), 422, 'corrupt_image'],
  // Cut or damaged near the end: only a decode of every row finds these.
  ['a PNG cut inside its last data chunk', async () => cutEnd(await scene(300, 200, 'png'), 20), 422, 'corrupt_image'],
  ['a PNG with one damaged byte', async () => damaged(await scene(300, 200, 'png')), 422, 'corrupt_image'],
  ['a JPEG without its end marker', async () => cutEnd(await scene(300, 200, 'jpeg'), 2), 422, 'corrupt_image'],
  ['a 3-megapixel JPEG cut at 90%', async () => cutEnd(await scene(2000, 1500, 'jpeg'), 0.1), 422, 'corrupt_image'],
  ['zero bytes', () => Buffer.alloc(0), 400, 'no_file'],
  ['a text file named .png', () => Buffer.from('just words\n'), 415, 'unsupported_media_type'],
  ['an HTML file named .png', () => Buffer.from('<!doctype html><script>alert(1)</script>'), 415, 'unsupported_media_type'],
  ['an SVG named .png', () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), 415, 'unsupported_media_type'],
  ['a PDF named .png', () => Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'), 415, 'unsupported_media_type'],
  ['a GIF named .png', () => sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } }).gif().toBuffer(), 415, 'unsupported_media_type'],
  ['a WebP named .png', () => sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } }).webp().toBuffer(), 415, 'unsupported_media_type'],
  ['a 0x0 PNG', () => pngClaiming(0, 0), 422, 'corrupt_image'],
  ['a decompression bomb claiming 100000 x 100000', () => pngClaiming(100_000, 100_000), 422, 'too_many_pixels'],
  ['a PNG/ZIP polyglot (a valid PNG with a ZIP after it)', () => Buffer.concat([good, Buffer.from('PK\x03\x04'), Buffer.alloc(200, 1)]), 202, null],
  ['a 1x1 PNG', () => png({ width: 1, height: 1 }), 202, null],
  ['a CMYK JPEG', () => sharp(jpegBase).toColourspace('cmyk').jpeg().toBuffer(), 202, null],
  ['a progressive JPEG', () => sharp(jpegBase).jpeg({ progressive: true }).toBuffer(), 202, null],
  ['a 16-bit PNG', () => sharp(jpegBase).toColourspace('rgb16').png().toBuffer(), 202, null],
  ['an interlaced PNG', () => sharp(jpegBase).png({ progressive: true }).toBuffer(), 202, null],
  ['a JPEG with broken EXIF', () => brokenExif(jpegBase), 202, null],
  ['a file name with ../', () => good, 202, null, '../../../etc/passwd.png'],
  ['a file name of 300 characters', () => good, 202, null, `${'a'.repeat(296)}.png`],
  ['a file name with emoji', () => good, 202, null, 'sunset 🌅 photo.png'],
  ['a PNG sent as image/gif', () => good, 202, null, 'x.png', 'image/gif'],
];

for (const [name, bytes, status, code, filename = 'upload.png', type] of files) {
  hostile(`${name}: ${status}${code ? ` ${code}` : ''}`, async () => {
    const started = Date.now();
    const reply = await submit(stack.url, await bytes(), { filename, ...(type ? { type } : {}) });
    assert.is(reply.status, status, JSON.stringify(reply.body));
    if (code) {
      assert.is(reply.body.error.code, code);
      assert.ok(reply.body.error.message.length > 10);
    } else {
      const result = await waitForResult(stack.url, reply.body.job_id);
      assert.is(result.body.status, 'done', JSON.stringify(result.body));
    }
    if (code === 'too_many_pixels') assert.ok(Date.now() - started < 1000, 'refused from the header, at once');
  });
}

/** Send raw bytes over TCP and read what comes back (possibly nothing). */
function raw(request: string | Buffer, { trickle = false } = {}): Promise<string> {
  const { port } = new URL(stack.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => resolve(answer));
    const bytes = Buffer.from(request);
    if (trickle) {
      let i = 0;
      const timer = setInterval(() => {
        if (socket.destroyed || i >= bytes.length) return clearInterval(timer);
        socket.write(bytes.subarray(i, i + 10));
        i += 10;
      }, 200);
    } else {
      socket.write(bytes);
    }
  });
}

function multipart(parts: Array<{ name: string; filename?: string; body: Buffer | string }>, boundary = 'XyZ'): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\nContent-Type: application/octet-stream\r\n\r\n`, 'latin1'));
    chunks.push(Buffer.from(p.body));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

function post(body: Buffer, contentType: string, extra = ''): Buffer {
  return Buffer.concat([
    Buffer.from(`POST /submit HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n${extra}\r\n`),
    body,
  ]);
}

hostile('two file fields with BATCH_MAX=1: 400 too_many_files', async () => {
  const answer = await raw(post(multipart([{ name: 'file', filename: 'a.png', body: good }, { name: 'file', filename: 'b.png', body: good }]), 'multipart/form-data; boundary=XyZ'));
  assert.match(answer, /^HTTP\/1\.1 400/);
  assert.match(answer, /"too_many_files"/);
});

hostile('no boundary: 400 bad_request', async () => {
  const answer = await raw(post(multipart([{ name: 'file', filename: 'a.png', body: good }]), 'multipart/form-data'));
  assert.match(answer, /^HTTP\/1\.1 400/);
  assert.match(answer, /"bad_request"/);
});

hostile('a file name with a NUL byte: 400 bad_request (a malformed part header), nothing stored', async () => {
  const answer = await raw(post(multipart([{ name: 'file', filename: 'evil\0.png', body: good }]), 'multipart/form-data; boundary=XyZ'));
  assert.match(answer, /^HTTP\/1\.1 400/, answer);
  assert.match(answer, /"bad_request"/);
  assert.equal(await uploadsLeft(), []);
});

/**
 * Send the first `length` bytes of a request and cut the connection once the server has
 * begun writing the upload to a temporary file. An upload cut while still in memory
 * leaves nothing on disk whatever the server does, so it would prove nothing.
 */
async function cutOnDisk(request: Buffer, length: number): Promise<void> {
  const socket = connect(Number(new URL(stack.url).port), '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(request.subarray(0, length));
  try {
    await waitFor('the upload to be written to disk', async () => ((await uploadsLeft()).length > 0 ? true : undefined));
  } finally {
    socket.destroy();
  }
}

/** Cleaning up after a request runs after its end: wait for it, rather than look at once. */
function nothingLeft(): Promise<true> {
  return waitFor('the temporary files to be removed', async () => ((await uploadsLeft()).length === 0 ? true : undefined));
}

hostile('a body that stops halfway: nothing is left behind and the server goes on', async () => {
  // Half of 2.3 MB is 1.15 MB: past the 1 MiB kept in memory (upload-storage.ts), and
  // short of MAX_UPLOAD_MB, which the server counts as bytes arrive: only the cut decides.
  const body = multipart([{ name: 'file', filename: 'half.png', body: Buffer.alloc(2_300_000, 7) }]);
  const request = post(body, 'multipart/form-data; boundary=XyZ');
  await cutOnDisk(request, Math.floor(request.length / 2));
  await nothingLeft();
  assert.equal(await uploadsLeft(), []);
  assert.is((await get(stack.url, '/health')).status, 200);
  assert.is((await submit(stack.url, good)).status, 202, 'the next upload is taken');
});

// Past 1 MiB an upload is written to disk as it arrives (upload-storage.ts): what is cut
// off there must leave no partial file either.
hostile('a 1.9 MB body that stops after 1.5 MB, on its way to disk: nothing is left behind', async () => {
  const request = post(multipart([{ name: 'file', filename: 'big.png', body: Buffer.alloc(1_900_000, 7) }]), 'multipart/form-data; boundary=XyZ');
  await cutOnDisk(request, 1_500_000);
  await nothingLeft();
  assert.equal(await uploadsLeft(), []);
});

hostile('a 1.9 MB body that stalls after 1.5 MB: 408 upload_timeout, the partial file on disk removed', async () => {
  const request = post(multipart([{ name: 'file', filename: 'big.png', body: Buffer.alloc(1_900_000, 7) }]), 'multipart/form-data; boundary=XyZ');
  const [answer] = await Promise.all([
    raw(request.subarray(0, 1_500_000)),
    waitFor('the upload to be written to disk', async () => ((await uploadsLeft()).length > 0 ? true : undefined)),
  ]);
  assert.match(answer, /^HTTP\/1\.1 408/);
  await nothingLeft();
  assert.equal(await uploadsLeft(), []);
});

hostile('a 1.5 MB PNG, written to disk as it arrives, is accepted from there and described', async () => {
  const noise = await sharp(randomBytes(700 * 700 * 3), { raw: { width: 700, height: 700, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  assert.ok(noise.length > 1024 * 1024, `${noise.length} bytes`);
  const reply = await submit(stack.url, noise);
  assert.is(reply.status, 202, JSON.stringify(reply.body));
  const result = await waitForResult(stack.url, reply.body.job_id);
  assert.is(result.body.status, 'done', JSON.stringify(result.body));
  assert.is(result.body.details.analysis.width, 700);
  assert.equal(await uploadsLeft(), [], 'the temporary file became the job\'s upload');
});

hostile('an upload that trickles slower than UPLOAD_TIMEOUT_MS: 408 upload_timeout, partial file removed', async () => {
  const body = multipart([{ name: 'file', filename: 'slow.png', body: Buffer.alloc(5_000, 7) }]);
  const answer = await raw(post(body, 'multipart/form-data; boundary=XyZ'), { trickle: true });
  assert.match(answer, /^HTTP\/1\.1 408/);
  assert.match(answer, /"upload_timeout"/);
  await nothingLeft();
  assert.equal(await uploadsLeft(), []);
});

hostile('stored file names are cleaned: no path, no NUL, at most 255 characters', async () => {
  const { JobStore } = await import('@depict/core');
  const store = await JobStore.open({ dataDir: stack.dataDir, databaseUrl: stack.databaseUrl });
  const all = await readdir(path.join(stack.dataDir, 'uploads'));
  assert.ok(all.every((n) => n === 'tmp' || /^[0-9a-f-]{36}$/.test(n)), `only job ids on disk: ${all}`);
  await store.close();
});

hostile('after all of that: the server is small and the next good upload works', async () => {
  assert.ok(serverRssMb() < 300, `server RSS ${serverRssMb()} MB`);
  const reply = await submit(stack.url, good);
  assert.is(reply.status, 202);
  assert.is((await waitForResult(stack.url, reply.body.job_id)).body.status, 'done');
});

hostile('random multipart bodies and random ids at every route: never a 5xx', async () => {
  const routes = ['/status/', '/result/', '/jobs/', '/'];
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        field: fc.oneof(fc.constant('file'), fc.string({ maxLength: 12 })),
        filename: fc.string({ maxLength: 40 }),
        body: fc.uint8Array({ maxLength: 2048 }),
        boundary: fc.oneof(fc.constant('XyZ'), fc.string({ minLength: 1, maxLength: 20 }).filter((b) => !/[\r\n"]/.test(b))),
        contentType: fc.constantFrom('multipart/form-data; boundary=XyZ', 'application/json', 'text/plain', 'image/png', ''),
        id: fc.string({ maxLength: 80 }),
        route: fc.constantFrom(...routes),
      }),
      async ({ field, filename, body, boundary, contentType, id, route }) => {
        const form = multipart([{ name: field.replace(/["\r\n]/g, ''), filename: filename.replace(/["\r\n]/g, ''), body: Buffer.from(body) }], boundary);
        const res = await fetch(`${stack.url}/submit`, {
          method: 'POST',
          body: new Uint8Array(form),
          headers: contentType ? { 'content-type': contentType.replace('XyZ', boundary) } : {},
        });
        await res.arrayBuffer();
        assert.ok(res.status < 500, `submit answered ${res.status}`);
        const lookup = await fetch(`${stack.url}${route}${encodeURIComponent(id)}`);
        await lookup.arrayBuffer();
        assert.ok(lookup.status < 500, `${route}${id} answered ${lookup.status}`);
      },
    ),
    { numRuns: 150 },
  );
  assert.is((await get(stack.url, '/health')).status, 200);
});

hostile.run();
