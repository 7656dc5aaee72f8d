// CPU-bound analysis across processes (issue: "Fast on one host, and across many", point 2).
//   npm run bench:cpu          (node --import tsx bench/cpu-bound.ts)
//   JOBS=120 ROUNDS=3 to change the run.
//
// 12-megapixel JPEGs (bench/fixtures.mjs) end to end through the offline analyzer, OCR
// off: submitted through the server, then run by one worker process at
// WORKER_CONCURRENCY=1 and, in the same run, by two such processes. Throughput is
// counted from the jobs' own times in the job store: from the first job's start to the last
// one's end, and, beside it, in the middle of the run (the middle two thirds of the finish
// times), which leaves out the processes coming up one after the other. Two processes
// started together are ready up to a few hundred ms apart, and the first works alone
// meanwhile: with 60 jobs (3 s) that was 5 to 10% of a round, so the run is 120 jobs.
// Rounds alternate between one and two processes; medians are reported.
//
// Beside it, the machine's own ceiling for this work, in the same run: the analyzer's
// decode alone (bench/decode-loop.mjs), DECODES times in one process against in two at
// once. A VM's second core is not always a whole core; this says what two processes
// could reach at best at the time, so Depict's ratio can be read against it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Stack, tempDir } from '../test-support/processes.js';
import { photo12mp } from './fixtures.mjs';
import { finishedJobs, percentile, submitMany, type Finished } from './vision-load.js';

const JOBS = Number(process.env.JOBS ?? 120);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DECODES = Number(process.env.DECODES ?? 60);

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

/** Decodes per second of `processes` decode loops started together, each DECODES long. */
async function decodeRate(processes: number): Promise<number> {
  const children = Array.from({ length: processes }, () =>
    spawn(process.execPath, ['bench/decode-loop.mjs', file, String(DECODES)], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  // Each child's lines, in order, buffered until read.
  const lines = children.map((child) => {
    const it = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    return async () => String((await it.next()).value);
  });
  const readies = lines.map((line) => line());
  await Promise.all(readies);
  const dones = lines.map((line) => line());
  for (const child of children) child.stdin.write('go\n');
  const ms = (await Promise.all(dones)).map((line) => Number(/done ([\d.]+)/.exec(line)![1]));
  await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));
  return (processes * DECODES) / (Math.max(...ms) / 1000);
}

try {
  await stack.start({ worker: false });
  console.log(`CPU-bound: ${JOBS} 12-megapixel JPEGs (${(photo.length / 1e6).toFixed(1)} MB) through the offline analyzer, OCR off`);
  const show = (workers: number, r: Finished) =>
    `  ${workers} worker process${workers > 1 ? 'es' : '  '} ${r.jobs} jobs in ${r.seconds.toFixed(2)} s: ${r.perSecond.toFixed(2)} jobs/s, ` +
    `${r.steadyPerSecond.toFixed(2)} in the middle (each job ${r.jobMs.p50} ms median)`;
  const ones: Finished[] = [];
  const twos: Finished[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    ones.push(await round(1));
    console.log(show(1, ones.at(-1)!));
    twos.push(await round(2));
    console.log(show(2, twos.at(-1)!));
  }
  const median = (rs: Finished[], rate: (r: Finished) => number = (r) => r.perSecond) => percentile(rs.map(rate), 50);
  const steady = (r: Finished) => r.steadyPerSecond;
  console.log(`  medians: one process ${median(ones).toFixed(2)} jobs/s, two ${median(twos).toFixed(2)} jobs/s`);
  console.log(`  two processes against one: ${(median(twos) / median(ones)).toFixed(2)}x (target >= 1.7x)`);
  console.log(`  in the middle of the runs: ${median(ones, steady).toFixed(2)} and ${median(twos, steady).toFixed(2)} jobs/s, ${(median(twos, steady) / median(ones, steady)).toFixed(2)}x`);

  const alone: number[] = [];
  const paired: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    alone.push(await decodeRate(1));
    paired.push(await decodeRate(2));
  }
  const [one, two] = [percentile(alone, 50), percentile(paired, 50)];
  console.log(`The machine's ceiling: the decode alone, ${DECODES} a process, medians of ${ROUNDS} rounds`);
  console.log(`  1 process ${one.toFixed(2)} decodes/s, 2 processes ${two.toFixed(2)}: ${(two / one).toFixed(2)}x`);
  console.log(`  Depict's two processes reach ${((median(twos) / median(ones)) / (two / one) * 100).toFixed(0)}% of that ratio`);
} finally {
  await stack.stop();
  await dir.remove();
}
