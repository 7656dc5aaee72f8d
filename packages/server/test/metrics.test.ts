import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, submit, waitForResult } from '../../../test-support/api.js';
import { png } from '../../../test-support/images.js';
import { waitFor } from '../../../test-support/ports.js';
import { Stack } from '../../../test-support/processes.js';

/** Prometheus /metrics of the server and of a worker, read as Prometheus would. */
const metrics = suite('Prometheus metrics from the server and a worker');
const stack = new Stack();

metrics.before(async () => {
  await stack.start({ worker: false });
});
metrics.after(async () => {
  await stack.stop();
});

/** The value of one sample: `name{label="value",...}` with at least these labels. */
async function sample(url: string, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const res = await fetch(url);
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  for (const line of (await res.text()).split('\n')) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

metrics('jobs by status and the queue depth, read from the store and Redis at each scrape', async () => {
  const ids = [];
  for (let i = 0; i < 2; i++) ids.push((await submit(stack.url, await png({ width: 30 + i, height: 20 }))).body.job_id);
  const server = `${stack.url}/metrics`;
  assert.is(await sample(server, 'depict_jobs', { status: 'queued' }), 2);
  assert.is(await sample(server, 'depict_jobs', { status: 'done' }), 0);
  assert.is(await sample(server, 'depict_queue_jobs', { state: 'waiting' }), 2, 'no worker yet: both wait in Redis');

  await stack.startWorker();
  for (const id of ids) assert.is((await waitForResult(stack.url, id)).body.status, 'done');
  assert.is(await sample(server, 'depict_jobs', { status: 'done' }), 2);
  assert.is(await sample(server, 'depict_jobs', { status: 'queued' }), 0);
  assert.is(await sample(server, 'depict_queue_jobs', { state: 'waiting' }), 0);
  assert.is(await sample(server, 'depict_vision_breaker_state'), 0);
  assert.is(await sample(server, 'depict_proofs', { state: 'running' }), 0, 'no proof outlives its submit');
  assert.is(await sample(server, 'depict_proof_decode_bytes'), 0);
});

metrics('the worker times jobs by describer and outcome', async () => {
  // A worker of its own, whose counts are this test's two jobs; its metrics port is the
  // system's choice, read from the line it logs.
  for (const worker of stack.workers) await worker.stop();
  const worker = await stack.startWorker({ WORKER_METRICS_PORT: '0' });
  const port = await waitFor('the worker metrics port', () => worker.logs().find((l) => l.msg === 'worker metrics at /metrics')?.port);
  const workerMetricsUrl = `http://127.0.0.1:${port}/metrics`;
  for (let i = 0; i < 2; i++) {
    const sent = await submit(stack.url, await png({ width: 32 + i, height: 20 }));
    assert.is((await waitForResult(stack.url, sent.body.job_id)).body.status, 'done');
  }
  // A job's end is stored before its worker counts it: wait for the count, not only the ends.
  const count = () => sample(workerMetricsUrl, 'depict_job_processing_seconds_count', { outcome: 'done', component: 'worker' });
  await waitFor('the worker to count both jobs', async () => ((await count()) === 2 ? true : undefined));
  const analyzed = await count();
  assert.is(analyzed, 2);
  const res = await fetch(workerMetricsUrl);
  const text = await res.text();
  // Both jobs in the +Inf bucket: which lower bucket holds them depends on what else the machine runs.
  assert.match(text, /depict_job_processing_seconds_bucket\{le="0\.25",component="worker",describer="depict-analyzer@\d+\.\d+\.\d+",outcome="done"\} [012]\n/);
  assert.match(text, /depict_job_processing_seconds_bucket\{le="\+Inf",component="worker",describer="depict-analyzer@\d+\.\d+\.\d+",outcome="done"\} 2\n/);
  assert.is(await sample(workerMetricsUrl, 'depict_job_deliveries_total', { outcome: 'done' }), 2);
  assert.is(await sample(workerMetricsUrl, 'depict_jobs_in_flight'), 0);
  assert.ok((await sample(workerMetricsUrl, 'depict_process_resident_memory_bytes'))! > 10_000_000);
  assert.is((await fetch(workerMetricsUrl.replace('/metrics', '/other'))).status, 404);
});

metrics('HTTP latency by route: ids folded into :job_id, unknown paths into one label', async () => {
  await stack.ensureWorker();
  // Three submits, counted under one route.
  for (let i = 0; i < 2; i++) await submit(stack.url, await png({ width: 42 + i, height: 20 }));
  const sent = await submit(stack.url, await png({ width: 40, height: 20 }));
  await waitForResult(stack.url, sent.body.job_id);
  await get(stack.url, `/status/${sent.body.job_id}`);
  await get(stack.url, '/no/such/page');
  const server = `${stack.url}/metrics`;
  assert.ok((await sample(server, 'depict_http_request_duration_seconds_count', { method: 'POST', route: '/submit', status: '202' }))! >= 3);
  assert.ok((await sample(server, 'depict_http_request_duration_seconds_count', { route: '/status/:job_id', status: '200' }))! >= 1);
  assert.ok((await sample(server, 'depict_http_request_duration_seconds_count', { route: '/result/:job_id' }))! >= 1);
  assert.is(await sample(server, 'depict_http_request_duration_seconds_count', { route: 'other', status: '404' }), 1);
  const text = await (await fetch(server)).text();
  assert.not.match(text, /route="\/status\/[0-9a-f]{8}-/, 'no label per job id');
});

metrics.run();
