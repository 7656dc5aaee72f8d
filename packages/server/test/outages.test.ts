import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { JobStore } from '@depict/core';
import { get, submit, waitForResult } from '../../../test-support/api.js';
import { png } from '../../../test-support/images.js';
import { waitFor } from '../../../test-support/ports.js';
import { Stack, redisCli, startServer, startWorker } from '../../../test-support/processes.js';

const outages = suite('Redis down, Redis flushed, a server killed mid-upload, many writers on one SQLite file');
const stack = new Stack({ RECONCILE_INTERVAL_MS: '300', RECONCILE_GRACE_MS: '300', ANALYZER_OCR: 'off', ORPHAN_UPLOAD_MS: '0' });

outages.before(async () => {
  await stack.start();
});
outages.after(async () => {
  await stack.stop();
});

outages('a submit while Redis is down is accepted and stored, /ready is 503, and the job runs when Redis returns', async () => {
  await stack.ensureWorker();
  await stack.stopRedis();
  const started = Date.now();
  const sent = await submit(stack.url, await png({ width: 64, height: 48 }));
  assert.is(sent.status, 202, JSON.stringify(sent.body));
  assert.ok(Date.now() - started < 5_000, 'the submit did not hang on Redis');
  assert.is((await get(stack.url, `/status/${sent.body.job_id}`)).body.status, 'queued');
  const ready = await get(stack.url, '/ready');
  assert.is(ready.status, 503);
  assert.is(ready.body.error.code, 'not_ready');
  assert.match(ready.body.error.message, /redis/);

  await stack.startRedisAgain();
  const result = await waitForResult(stack.url, sent.body.job_id, 30_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${stack.output()}`);
  });
  assert.is(result.body.status, 'done', stack.output());
  await waitFor('ready again', async () => ((await get(stack.url, '/ready')).status === 200 ? true : undefined));
});

outages('Redis flushed while jobs are queued: every job still ends done', async () => {
  await stack.worker!.stop();
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) ids.push((await submit(stack.url, await png({ width: 30 + i, height: 30 }))).body.job_id);
  assert.is(await redisCli(stack.redis.port, 'FLUSHALL'), 'OK');
  await stack.startWorker();
  for (const id of ids) assert.is((await waitForResult(stack.url, id, 20_000)).body.status, 'done');
});

outages('a server killed mid-upload leaves no job, and its partial file is swept at the next start', async () => {
  const tmpDir = path.join(stack.dataDir, 'uploads', 'tmp');
  const boundary = 'depict-test-boundary';
  const req = request(`${stack.url}/submit`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
  req.on('error', () => undefined);
  req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.png"\r\nContent-Type: image/png\r\n\r\n`);
  // Past 1 MiB an upload goes to disk as it arrives; smaller ones are held in memory.
  req.write(Buffer.alloc(1536 * 1024, 1));
  await waitFor('the partial upload on disk', async () => ((await readdir(tmpDir)).length > 0 ? true : undefined));
  const partial = await readdir(tmpDir);

  await stack.server.proc.stop('SIGKILL');
  req.destroy();
  const store = await JobStore.open({ dataDir: stack.dataDir, databaseUrl: stack.databaseUrl });
  const before = await store.listStale({ queuedBefore: new Date(Date.now() + 60_000).toISOString(), limit: 1000 });
  await store.close();
  assert.equal(before, [], 'no job row for the cut-off upload');
  assert.ok(partial.every((name) => existsSync(path.join(tmpDir, name))), 'the partial file is there before restart');

  stack.server = await startServer(stack.sharedEnv);
  await waitFor('the sweep', async () => ((await readdir(tmpDir)).length === 0 ? true : undefined));
  assert.is((await submit(stack.url, await png({ width: 20, height: 20 }))).status, 202, 'and uploads work');
});

outages('SIGTERM on the server: an upload in progress still completes, then the server exits', async () => {
  await stack.ensureWorker();
  const image = await png({ width: 80, height: 60 });
  const boundary = 'graceful-boundary';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="g.png"\r\nContent-Type: image/png\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const body = Buffer.concat([head, image, tail]);
  let inProgress!: () => void;
  const started = new Promise<void>((resolve) => (inProgress = resolve));
  let req!: ReturnType<typeof request>;
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    // With Expect: 100-continue the server says when it has read the request's head: from
    // then on the request is in progress, not a connection that SIGTERM may close as idle.
    req = request(`${stack.url}/submit`, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length), expect: '100-continue' },
    });
    req.on('continue', () => {
      req.write(body.subarray(0, head.length + 10));
      inProgress();
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.flushHeaders();
  });
  await started;
  const exited = stack.server.proc.exited;
  stack.server.proc.child.kill('SIGTERM');
  // The rest of the upload arrives once the server is shutting down.
  await waitFor('the server to begin its shutdown', () =>
    stack.server.proc.logs().some((l) => l.msg === 'shutting down: finishing open requests') ? true : undefined,
  );
  req.end(body.subarray(head.length + 10));
  const reply = await answer;
  assert.is(reply.status, 202, reply.body);
  assert.is(await exited, 0);
  stack.server = await startServer(stack.sharedEnv);
  const id = JSON.parse(reply.body).job_id;
  assert.is((await waitForResult(stack.url, id, 20_000)).body.status, 'done');
});

outages('a server and three workers on one SQLite file under load: no SQLITE_BUSY anywhere', async () => {
  await stack.worker!.stop();
  const workers = await Promise.all([1, 2, 3].map(() => startWorker({ ...stack.sharedEnv, WORKER_CONCURRENCY: '8' })));
  try {
    const image = await png({ width: 200, height: 150 });
    const ids: string[] = [];
    for (let round = 0; round < 10; round++) {
      const replies = await Promise.all(Array.from({ length: 20 }, () => submit(stack.url, image)));
      for (const r of replies) {
        assert.is(r.status, 202, JSON.stringify(r.body));
        ids.push(r.body.job_id);
      }
    }
    for (const id of ids) assert.is((await waitForResult(stack.url, id, 60_000)).body.status, 'done');
    const everything = [stack.server.proc.output, ...workers.map((w) => w.output)].join('\n');
    assert.not.match(everything, /SQLITE_BUSY|database is locked/);
    const perWorker = workers.map((w) => w.logs().filter((l) => l.msg === 'job done').length);
    assert.is(perWorker.reduce((a, b) => a + b, 0), 200, `done per worker: ${perWorker}`);
  } finally {
    for (const w of workers) await w.stop();
  }
});

outages.run();
