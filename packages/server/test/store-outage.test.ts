import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { waitForResult } from '../../../test-support/api.js';
import { png } from '../../../test-support/images.js';
import { POSTGRES_URL, testSchema } from '../../../test-support/postgres.js';
import { Stack } from '../../../test-support/processes.js';
import { TcpProxy } from '../../../test-support/tcp-proxy.js';

/**
 * PostgreSQL behind a TCP proxy that the test cuts (the database host gone) and freezes
 * (a network that stops answering), while clients keep submitting and two workers keep
 * working. Always on PostgreSQL, whichever pass runs it: the proxy is the point.
 */
const outage = suite('job store outages: PostgreSQL cut and frozen');
const upstream = new URL(POSTGRES_URL);
const proxy = new TcpProxy({ host: upstream.hostname, port: Number(upstream.port || 5432) });
let schema: Awaited<ReturnType<typeof testSchema>>;
let stack: Stack;

outage.before(async () => {
  await proxy.start();
  schema = await testSchema();
  const viaProxy = new URL(schema.url);
  viaProxy.host = `127.0.0.1:${proxy.port}`;
  stack = new Stack({ DATABASE_URL: viaProxy.toString(), STORE_TIMEOUT_MS: '2000', ANALYZER_OCR: 'off', RECONCILE_INTERVAL_MS: '2000' });
  await stack.start();
  await stack.startWorker();
});
outage.after(async () => {
  await stack?.stop();
  await proxy.close();
  await schema?.drop();
});

interface Sent {
  status: number;
  ms: number;
  jobId?: string;
  code?: string;
}

/** Submit one image every ~100 ms until `until` resolves; every answer, in the order sent, with how long it took. */
async function submitting(until: Promise<void>): Promise<Sent[]> {
  const image = await png({ width: 12, height: 12 });
  const sent: Sent[] = [];
  let next = 0;
  let done = false;
  void until.then(() => (done = true));
  const inFlight: Array<Promise<void>> = [];
  while (!done) {
    inFlight.push(
      (async (index: number) => {
        const started = Date.now();
        const form = new FormData();
        form.append('file', new Blob([new Uint8Array(image)]), 'o.png');
        form.append('cache', 'false');
        const res = await fetch(`${stack.url}/submit`, { method: 'POST', body: form, signal: AbortSignal.timeout(30_000) });
        const body = (await res.json()) as { job_id?: string; error?: { code: string } };
        sent[index] = { status: res.status, ms: Date.now() - started, jobId: body.job_id, code: body.error?.code };
      })(next++),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await Promise.all(inFlight);
  return sent;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function assertAllDone(sent: Sent[]): Promise<void> {
  const accepted = sent.filter((s) => s.status === 202);
  // Some before the outage and some after it (how many depends on how fast the machine is).
  assert.is(sent[0]!.status, 202, 'accepted before the outage');
  assert.is(sent.at(-1)!.status, 202, 'accepted after the outage');
  for (const s of accepted) {
    const result = await waitForResult(stack.url, s.jobId!, 90_000);
    assert.is(result.body.status, 'done', JSON.stringify(result.body));
  }
  for (const proc of [stack.server.proc, ...stack.workers]) assert.ok(proc.running, `${proc.name} is still running:\n${proc.output.slice(-3000)}`);
}

outage('a 5 s cut: no process exits, submits get 503 store_unavailable within 3 s, every accepted job ends done', async () => {
  const sent = await submitting(
    (async () => {
      await wait(1_500);
      await proxy.cut();
      await wait(5_000);
      await proxy.restore();
      await wait(2_000);
    })(),
  );
  const refused = sent.filter((s) => s.status !== 202);
  assert.ok(refused.length > 0, 'some submits fell in the cut');
  for (const s of refused) {
    assert.is(s.status, 503, JSON.stringify(s));
    assert.is(s.code, 'store_unavailable');
  }
  const slowest = Math.max(...sent.map((s) => s.ms));
  assert.ok(slowest < 3_000, `the slowest submit took ${slowest} ms`);
  await assertAllDone(sent);
  const failed = await fetch(`${stack.url}/jobs?status=failed`).then((r) => r.json() as Promise<{ items: unknown[] }>);
  assert.equal(failed.items, [], 'no job failed');
});

outage('a 10 s freeze: no submit waits more than 6 s; every accepted job ends done once it thaws', async () => {
  const sent = await submitting(
    (async () => {
      await wait(1_500);
      proxy.freeze();
      await wait(10_000);
      await proxy.restore();
      await wait(2_000);
    })(),
  );
  const slowest = Math.max(...sent.map((s) => s.ms));
  assert.ok(slowest < 6_000, `the slowest submit took ${slowest} ms`);
  for (const s of sent.filter((x) => x.status !== 202)) assert.is(s.status, 503, JSON.stringify(s));
  assert.ok(sent.some((s) => s.status === 503), 'some submits fell in the freeze');
  await assertAllDone(sent);
});

outage.run();
