// Many workers on one Redis and one PostgreSQL (issue: "Fast on one host, and across
// many", point 7).
//   npm run bench:scale          (node --import tsx bench/scale-out.ts)
//   JOBS=3000 BASELINE_JOBS=1000 CONCURRENCY=32 LATENCY_MS=250 to change the run;
//   INLINE_UPLOAD_KB=0 to keep the uploads as files rather than in PostgreSQL.
//
// The job store is the machine's PostgreSQL (a fresh schema). The vision API answers
// after LATENCY_MS. One worker process runs BASELINE_JOBS jobs; then three run JOBS, each
// at WORKER_CONCURRENCY=CONCURRENCY. Every job must end done with exactly one attempt
// recorded and one vision call: none lost, none done twice.
import { testSchema } from '../test-support/postgres.js';
import { Stack } from '../test-support/processes.js';
import { finishedJobs, startVisionApi, submitMany, type Finished } from './vision-load.js';

const JOBS = Number(process.env.JOBS ?? 3000);
const BASELINE_JOBS = Number(process.env.BASELINE_JOBS ?? 1000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const LATENCY_MS = Number(process.env.LATENCY_MS ?? 250);

const api = await startVisionApi(LATENCY_MS);
const schema = await testSchema();
const stack = new Stack({
  DATABASE_URL: schema.url,
  OPENAI_API_KEY: 'sk-bench',
  OPENAI_BASE_URL: api.baseUrl,
  OPENAI_MAX_RETRIES: '0',
  RECONCILE_INTERVAL_MS: '600000',
  WORKER_CONCURRENCY: String(CONCURRENCY),
  ...(process.env.INLINE_UPLOAD_KB ? { INLINE_UPLOAD_KB: process.env.INLINE_UPLOAD_KB } : {}),
});

async function round(workers: number, n: number): Promise<Finished> {
  const ids = await submitMany(stack, n);
  api.calls = 0;
  const procs = await Promise.all(Array.from({ length: workers }, () => stack.startWorker()));
  try {
    const finished = await finishedJobs(stack, ids);
    if (api.calls !== n) throw new Error(`${api.calls} vision calls for ${n} jobs: some job ran twice`);
    if (finished.attempts !== n) throw new Error(`${finished.attempts} attempts recorded for ${n} jobs`);
    return finished;
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

try {
  await stack.start({ worker: false });
  console.log(`Workers on one Redis and one PostgreSQL; the vision API answers after ${LATENCY_MS} ms; WORKER_CONCURRENCY=${CONCURRENCY} each`);
  const limit = (workers: number) => (workers * CONCURRENCY * 1000) / LATENCY_MS;
  const show = (workers: number, r: Finished) =>
    `  ${workers} worker${workers > 1 ? 's' : ' '} ${String(r.jobs).padStart(5)} jobs in ${r.seconds.toFixed(2)} s: ${r.perSecond.toFixed(1)} jobs/s ` +
    `(${((r.perSecond / limit(workers)) * 100).toFixed(0)}% of ${limit(workers).toFixed(0)}); each job ${r.jobMs.p50} ms median, ${r.jobMs.p99} ms p99; ` +
    `all done, ${r.attempts} attempts, as many vision calls`;
  const one = await round(1, BASELINE_JOBS);
  console.log(show(1, one));
  const three = await round(3, JOBS);
  console.log(show(3, three));
  console.log(`  three workers against one: ${(three.perSecond / one.perSecond).toFixed(2)}x`);
} finally {
  await stack.stop();
  await schema.drop();
  api.stop();
}
