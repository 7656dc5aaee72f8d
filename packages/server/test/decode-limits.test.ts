import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { submit, type Reply } from '../../../test-support/api.js';
import { MOST_GREY_SCANS, manyScanJpeg, zeroPng } from '../../../test-support/hostile-images.js';
import { png, sharp } from '../../../test-support/images.js';
import { Stack } from '../../../test-support/processes.js';

/**
 * Inputs cheap to send and dear to decode (issue 17, points 4 and 5): refused from
 * their structure before any decode, and the proofs that do run never take every
 * thread, so another client's small upload is answered at once. No worker: what is
 * tested is the submit.
 */
const limits = suite('decode limits at submit');
// One proof may wait; a fourth at once is told to come back.
const stack = new Stack({ MAX_UPLOAD_MB: '4', PROOF_QUEUE: '1', ANALYZER_OCR: 'off' });

limits.before(async () => {
  await stack.start({ worker: false });
});
limits.after(async () => {
  await stack.stop();
});

function serverPeakMb(): number {
  const status = readFileSync(`/proc/${stack.server.proc.child.pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function timedSubmit(bytes: Buffer, filename: string): Promise<Reply & { ms: number }> {
  const started = performance.now();
  const reply = await submit(stack.url, bytes, { filename });
  return { ...reply, ms: performance.now() - started };
}

/** COM segments after SOI, so a file passes 1 MiB and is written to disk as it arrives. */
function padded(jpeg: Buffer, bytes: number): Buffer {
  const segments: Buffer[] = [];
  for (let left = bytes; left > 0; left -= 65_000) {
    const head = Buffer.from([0xff, 0xfe, 0, 0]);
    head.writeUInt16BE(Math.min(left, 65_000) + 2, 2);
    segments.push(head, Buffer.alloc(Math.min(left, 65_000), 0x20));
  }
  return Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
}

limits('the 352 KB progressive JPEG with 883 scans: 422 too_many_scans at once, in memory and from disk', async () => {
  // 10000 x 10000: libjpeg needs 17 to 40 s of CPU for this file. Answered within a few
  // seconds (the upload and, from disk, a read of 1.85 MB on a shared machine), it was
  // never decoded.
  const flood = manyScanJpeg({ width: 10_000, height: 10_000, scans: MOST_GREY_SCANS });
  assert.ok(flood.length < 400_000, `${flood.length} bytes`);
  for (const [name, bytes] of [
    ['in memory', flood],
    ['written to disk', padded(flood, 1_500_000)],
  ] as const) {
    const reply = await timedSubmit(bytes, 'scans.jpg');
    assert.is(reply.status, 422, `${name}: ${JSON.stringify(reply.body)}`);
    assert.is(reply.body.error.code, 'too_many_scans', name);
    assert.match(reply.body.error.message, /more than 100 scans/);
    assert.ok(reply.ms < 3000, `${name}: answered in ${reply.ms.toFixed(0)} ms`);
  }
  // A hundred scans is within the limit (and small, so quick to prove).
  assert.is((await submit(stack.url, manyScanJpeg({ width: 200, height: 100, scans: 100 }), { filename: 'ok.jpg' })).status, 202);
});

limits('an interlaced 16-bit RGBA PNG: 422 too_large_to_decode at once; not interlaced, or 8-bit and small, it passes', async () => {
  const spec = { width: 6000, height: 6000, bitDepth: 16, colourType: 6 } as const;
  // 288 MB decoded whole from a 280 KB file.
  const interlaced = await zeroPng({ ...spec, interlaced: true });
  const refused = await timedSubmit(interlaced, 'adam7.png');
  assert.is(refused.status, 422, JSON.stringify(refused.body));
  assert.is(refused.body.error.code, 'too_large_to_decode');
  assert.match(refused.body.error.message, /interlaced PNG is decoded whole.*MAX_DECODE_MB/);
  assert.ok(refused.ms < 3000, `answered in ${refused.ms.toFixed(0)} ms`);

  // The same pixels streamed row by row cost a few MB: proved by libvips, accepted.
  const flat = await submit(stack.url, await zeroPng({ ...spec, interlaced: false }), { filename: 'flat.png' });
  assert.is(flat.status, 202, JSON.stringify(flat.body));
  const small = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#4070a0' } }).png({ progressive: true }).toBuffer();
  assert.is((await submit(stack.url, small, { filename: 'small-adam7.png' })).status, 202);
  const small16 = await zeroPng({ width: 400, height: 300, bitDepth: 16, colourType: 6, interlaced: true });
  assert.is((await submit(stack.url, small16, { filename: 'small-adam7-16.png' })).status, 202);
});

limits('while four costly proofs are under way, another small PNG is answered in under a second', async () => {
  // Within every limit (100 scans, 72 MB), and each a second or more of libvips' time.
  const costly = manyScanJpeg({ width: 6000, height: 6000, scans: 100 });
  const small = await png({ width: 64, height: 48 });
  let costlyEnded = Infinity;
  const flood = Promise.all(Array.from({ length: 4 }, () => submit(stack.url, costly, { filename: 'costly.jpg' }))).then((replies) => {
    costlyEnded = performance.now();
    return replies;
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const reply = await timedSubmit(small, 'small.png');
    assert.is(reply.status, 202, JSON.stringify(reply.body));
    times.push(reply.ms);
  }
  const measuredBy = performance.now();
  const replies = await flood;
  assert.ok(measuredBy < costlyEnded, 'the small uploads were answered while the costly proofs ran');
  // Every one: with every thread decoding, the first waits for a thread and the rest do not.
  assert.ok(Math.max(...times) < 1000, `small PNG submits took ${times.map((t) => t.toFixed(0)).join(', ')} ms`);

  // Two prove, one waits its turn (PROOF_QUEUE=1), and one is told when to come back.
  // On a machine so loaded that the proofs outlast PROOF_TIMEOUT_S (422), the one
  // waiting its turn waits past it too, and is told to come back as well.
  const statuses = replies.map((r) => r.status).sort();
  const busy = replies.filter((r) => r.status === 503);
  const outlasted = replies.some((r) => r.status === 422);
  assert.ok(busy.length === 1 || (outlasted && busy.length === 2), `statuses ${statuses}`);
  assert.is(busy[0]!.body.error.code, 'busy');
  assert.is(busy[0]!.headers.get('retry-after'), '10');
  for (const reply of replies.filter((r) => r.status !== 503)) {
    // 422 only if the shared machine is so loaded a proof takes over PROOF_TIMEOUT_S.
    assert.ok(reply.status === 202 || reply.body.error?.code === 'too_slow_to_decode', JSON.stringify(reply.body));
  }
});

limits('after all of that: the server never held 600 MB', () => {
  assert.ok(serverPeakMb() < 600, `server peak RSS ${serverPeakMb().toFixed(0)} MB`);
});

limits.run();
