// Peak RSS of a real worker process (WORKER_CONCURRENCY=4, recognition on) while it
// describes 16 12-megapixel JPEGs submitted at once through the server, against the same
// worker with ANALYZER_OBJECTS=off.
//   node --import tsx bench/worker-rss.ts        (npm run bench:worker-rss)
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { submit, waitForResult } from '../test-support/api.js';
import { Stack } from '../test-support/processes.js';
import { photo12mp } from './fixtures.mjs';
import { memoryMb } from './proc.mjs';

const JOBS = Number(process.env.JOBS ?? 16);
const dir = await mkdtemp(path.join(os.tmpdir(), 'depict-worker-rss-'));
try {
  const file = path.join(dir, 'photo.jpg');
  await photo12mp(file, { grain: 20 });
  const bytes = await readFile(file);
  for (const objects of ['auto', 'off']) {
    const stack = new Stack({ ANALYZER_OBJECTS: objects, ANALYZER_OCR: 'off', WORKER_CONCURRENCY: '4' });
    await stack.start();
    try {
      const started = performance.now();
      const sent = await Promise.all(Array.from({ length: JOBS }, () => submit(stack.url, bytes, { filename: 'photo.jpg', type: 'image/jpeg' })));
      const results = await Promise.all(sent.map((s) => waitForResult(stack.url, s.body.job_id, 300_000)));
      const seconds = (performance.now() - started) / 1000;
      const done = results.filter((r) => r.body.status === 'done').length;
      const pid = stack.worker!.child.pid!;
      const peakMb = memoryMb(pid, 'VmHWM');
      console.log(`ANALYZER_OBJECTS=${objects}: ${done}/${JOBS} done in ${seconds.toFixed(1)} s, worker peak RSS ${peakMb.toFixed(0)} MB (target <= 700 MB)`);
    } finally {
      await stack.stop();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
