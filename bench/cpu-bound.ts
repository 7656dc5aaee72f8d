// CPU-bound analysis across processes (issue: "Fast on one host, and across many", point 2).
//   npm run bench:cpu          (node --import tsx bench/cpu-bound.ts)
//   JOBS=60 ROUNDS=3 to change the run.
//
// 12-megapixel JPEGs (bench/fixtures.mjs) end to end through the offline analyzer, OCR
// off: submitted through the server, then run by one worker process at
// WORKER_CONCURRENCY=1 and, in the same run, by two such processes. Throughput is
// counted from the jobs' own times in the job store. Rounds alternate between one and two
// processes; medians are reported.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Stack, tempDir } from '../test-support/processes.js';
import { photo12mp } from './fixtures.mjs';
import { finishedJobs, percentile, submitMany, type Finished } from './vision-load.js';

const JOBS = Number(process.env.JOBS ?? 60);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

const dir = await tempDir('depict-bench-');
const file = path.join(dir.path, 'photo.jpg');
await photo12mp(file);
const photo = await readFile(file);
const stack = new Stack({ ANALYZER_OCR: 'off', WORKER_CONCURRENCY: '1', RECONCILE_INTERVAL_MS: '600000' });

async function round(workers: number): Promise<Finished> {
  const ids = await submitMany(stack, JOBS, photo);
  const procs = await Promise.all(Array.from({ length: workers }, () => stack.startWorker()));
  try {
    return await finishedJobs(stack, ids);
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

try {
  await stack.start({ worker: false });
  console.log(`CPU-bound: ${JOBS} 12-megapixel JPEGs (${(photo.length / 1e6).toFixed(1)} MB) through the offline analyzer, OCR off`);
  const show = (workers: number, r: Finished) =>
    `  ${workers} worker process${workers > 1 ? 'es' : '  '} ${r.jobs} jobs in ${r.seconds.toFixed(2)} s: ${r.perSecond.toFixed(2)} jobs/s (each job ${r.jobMs.p50} ms median)`;
  const ones: Finished[] = [];
  const twos: Finished[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    ones.push(await round(1));
    console.log(show(1, ones.at(-1)!));
    twos.push(await round(2));
    console.log(show(2, twos.at(-1)!));
  }
  const median = (rs: Finished[]) => percentile(rs.map((r) => r.perSecond), 50);
  console.log(`  medians: one process ${median(ones).toFixed(2)} jobs/s, two ${median(twos).toFixed(2)} jobs/s`);
  console.log(`  two processes against one: ${(median(twos) / median(ones)).toFixed(2)}x (target >= 1.7x)`);
} finally {
  await stack.stop();
  await dir.remove();
}
