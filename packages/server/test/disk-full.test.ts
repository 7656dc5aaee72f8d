import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, rmSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, submit, waitForResult } from '../../../test-support/api.js';
import { png, scene } from '../../../test-support/images.js';
import { waitFor } from '../../../test-support/ports.js';
import { Stack } from '../../../test-support/processes.js';

/**
 * DATA_DIR on a small tmpfs (root mounts it; it is unmounted after), filled up while jobs
 * wait: new uploads are refused with 507 and leave no file, /ready says so, the worker
 * keeps its jobs and says why, and they all finish once space is back. SQLite's file is
 * on the same disk, so its writes fail too (SQLITE_FULL).
 */
const full = suite('a full disk under DATA_DIR');
const mountPoint = mkdtempSync(path.join(os.tmpdir(), 'depict-full-'));
const filler = path.join(mountPoint, 'filler');
let stack: Stack;
const accepted: string[] = [];

full.before(async () => {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint]);
  stack = new Stack({ DATA_DIR: mountPoint, ANALYZER_OCR: 'off', RECONCILE_INTERVAL_MS: '1000', WORKER_METRICS_PORT: '0' });
  await stack.start({ worker: false });
});
full.after(async () => {
  await stack?.stop();
  execFileSync('umount', ['-l', mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

/** Write the filler until the disk refuses another byte. */
function fillDisk(): void {
  const fd = openSync(filler, 'w');
  try {
    for (const size of [1 << 20, 64 << 10, 4 << 10, 512, 1]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch {
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Every file under uploads/, tmp/ included. */
function uploadFiles(): string[] {
  const dir = path.join(mountPoint, 'uploads');
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

full('jobs accepted before the disk fills wait for it; new uploads get 507 and leave nothing behind; /ready is 503', async () => {
  for (let i = 0; i < 4; i++) {
    const r = await submit(stack.url, await png({ width: 20 + i, height: 20 }));
    assert.is(r.status, 202);
    accepted.push(r.body.job_id);
  }
  // One larger than the inline limit, so it is a file under uploads/.
  const large = await submit(stack.url, await scene(900, 700, 'png'));
  assert.is(large.status, 202);
  accepted.push(large.body.job_id);
  const before = uploadFiles();

  fillDisk();
  const small = await submit(stack.url, await png({ width: 33, height: 17 }));
  assert.is(small.status, 507, JSON.stringify(small.body));
  assert.is(small.body.error.code, 'insufficient_storage');
  assert.ok(Number(small.headers.get('retry-after')) >= 1);
  const spilled = await submit(stack.url, await scene(1400, 1000, 'png')); // over 1 MiB: streamed to a file as it arrives
  assert.is(spilled.status, 507, JSON.stringify(spilled.body));
  assert.is(spilled.body.error.code, 'insufficient_storage');
  assert.equal(uploadFiles(), before, 'no file of a refused upload stays');

  const ready = await get(stack.url, '/ready');
  assert.is(ready.status, 503);
  assert.ok(ready.body.checks.some((c: { name: string; ok: boolean }) => c.name === 'data_dir' && !c.ok), JSON.stringify(ready.body));
});

full('the worker keeps its jobs through the full disk, logs and counts each failed write, and finishes them once space is back', async () => {
  const worker = await stack.startWorker();
  await waitFor('the worker to report a failed store write', () =>
    worker.logs().some((l) => l.msg === 'job store write failed; trying again' && l.fault === 'full') ? true : undefined,
  );
  const port = (worker.logs().find((l) => l.msg === 'worker metrics at /metrics') as { port: number }).port;
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(metrics, /depict_worker_store_write_failures_total\{operation="[a-z ]+",fault="full"[^}]*\} [1-9]/, metrics.split('\n').filter((l) => l.includes('store_write')).join('\n'));
  for (const id of accepted) assert.is((await get(stack.url, `/status/${id}`)).body.status, 'queued', 'nothing failed meanwhile');

  unlinkSync(filler);
  for (const id of accepted) {
    const result = await waitForResult(stack.url, id, 60_000);
    assert.is(result.body.status, 'done', JSON.stringify(result.body));
  }
  assert.ok(worker.running);
  assert.is((await get(stack.url, '/ready')).status, 200);
  const again = await submit(stack.url, await png({ width: 33, height: 17 }));
  assert.is(again.status, 202);
});

full.run();
