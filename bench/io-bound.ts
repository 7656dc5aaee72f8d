// I/O-bound vision throughput (issue: "Fast on one host, and across many", point 1).
//   npm run bench:io          (node --import tsx bench/io-bound.ts)
//   JOBS=1500 BASELINE_JOBS=8 LATENCY_MS=1000 CONCURRENCY=256 ROUNDS=5 to change the run.
//
// An OpenAI-compatible server on loopback answers every call after LATENCY_MS. Jobs are
// submitted through the real server first; then one worker process runs them, at
// WORKER_CONCURRENCY=CONCURRENCY and, as the baseline in the same run, at 1. Throughput is
// counted from the jobs' own times in the job store: jobs / (last finished - first started).
// The latency-bound limit is CONCURRENCY / LATENCY_MS jobs per second. The fast round
// runs ROUNDS times and its median is reported: this machine's timings are noisy.
import { Stack } from '../test-support/processes.js';
import { finishedJobs, startVisionApi, submitMany, type Finished } from './vision-load.js';

const JOBS = Number(process.env.JOBS ?? 1500);
const BASELINE_JOBS = Number(process.env.BASELINE_JOBS ?? 8);
const LATENCY_MS = Number(process.env.LATENCY_MS ?? 1000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 256);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

const fake = await startVisionApi(LATENCY_MS);
const stack = new Stack({
  OPENAI_API_KEY: 'sk-bench',
  OPENAI_BASE_URL: fake.baseUrl,
  OPENAI_MAX_RETRIES: '0',
  RECONCILE_INTERVAL_MS: '600000',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
});
await stack.start({ worker: false });

interface Round extends Finished {
  concurrency: number;
}

async function round(concurrency: number, n: number): Promise<Round> {
  const ids = await submitMany(stack, n);
  fake.calls = 0;
  const worker = await stack.startWorker({ WORKER_CONCURRENCY: String(concurrency) });
  try {
    const finished = await finishedJobs(stack, ids);
    if (fake.calls !== n) throw new Error(`${fake.calls} vision calls for ${n} jobs`);
    return { concurrency, ...finished };
  } finally {
    await worker.stop();
  }
}

try {
  const limit = CONCURRENCY / (LATENCY_MS / 1000);
  console.log(`I/O-bound vision: ${JOBS} jobs, the vision API answering after ${LATENCY_MS} ms, one worker process`);
  const show = (r: Round) =>
    `  WORKER_CONCURRENCY=${String(r.concurrency).padEnd(4)} ${String(r.jobs).padStart(5)} jobs in ${r.seconds.toFixed(2)} s: ${r.perSecond.toFixed(1)} jobs/s (each job ${r.jobMs.p50} ms median, ${r.jobMs.p99} ms p99)`;
  const rounds: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    rounds.push(await round(CONCURRENCY, JOBS));
    console.log(show(rounds.at(-1)!));
  }
  const base = await round(1, BASELINE_JOBS);
  console.log(show(base));
  const fast = [...rounds].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(rounds.length / 2)]!;
  console.log(`  median of ${ROUNDS} rounds at ${CONCURRENCY}: ${fast.perSecond.toFixed(1)} jobs/s`);
  console.log(`  latency-bound limit at ${CONCURRENCY}: ${limit.toFixed(0)} jobs/s; reached ${((fast.perSecond / limit) * 100).toFixed(1)}% (target >= 80%)`);
  console.log(`  ratio against WORKER_CONCURRENCY=1: ${(fast.perSecond / base.perSecond).toFixed(1)}x (target >= 150x)`);
} finally {
  await stack.stop();
  fake.stop();
}
