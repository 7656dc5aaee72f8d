// Latency from submit to done (issue: "Fast on one host, and across many", point 4).
//   npm run bench:latency          (node --import tsx bench/latency.ts)
//   RATE=20 SECONDS=15 to change the run.
//
// A small PNG is submitted RATE times a second for SECONDS through the SDK; each job is
// followed through the tRPC watch subscription (Server-Sent Events) until it is done.
// Latency is from just before the submit to the moment watch reports done. The offline
// analyzer describes (OCR off).
import { DepictClient } from '../packages/sdk/dist/index.js';
import { scene } from '../test-support/images.js';
import { Stack } from '../test-support/processes.js';
import { percentile } from './vision-load.js';

const RATE = Number(process.env.RATE ?? 20);
const SECONDS = Number(process.env.SECONDS ?? 15);

const stack = new Stack({ ANALYZER_OCR: 'off' });
await stack.start();
const client = new DepictClient({ baseUrl: stack.url });
const image = await scene(320, 240);

async function one(): Promise<number> {
  const started = performance.now();
  const { job_id } = await client.submit(image, { cache: false });
  const last = await client.watch(job_id);
  if (last.status !== 'done') throw new Error(`job ${job_id} ended ${last.status}`);
  return performance.now() - started;
}

try {
  for (let i = 0; i < 10; i++) await one(); // warm up
  const runs: Promise<number>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < RATE * SECONDS; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    runs.push(one());
  }
  const ms = await Promise.all(runs);
  console.log(`Submit to done, seen through watch: ${ms.length} small PNGs at ${RATE} jobs/s, offline analyzer`);
  console.log(`  p50 ${percentile(ms, 50).toFixed(1)} ms (target <= 60), p99 ${percentile(ms, 99).toFixed(1)} ms (target <= 250), max ${Math.max(...ms).toFixed(1)} ms`);
} finally {
  await stack.stop();
}
