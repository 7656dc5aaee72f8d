// What each step of accepting an upload costs, alone (a diagnostic for bench/submit.ts).
//   node --import tsx bench/submit-steps.ts        (after npm run build)
//   CALLS=4000 ROUNDS=3 to change the run.
//
// The steps acceptUpload takes after multer, each called CALLS times with 32 in flight
// against a private Redis and a SQLite store already holding 20,000 queued jobs, as
// process CPU per call (every thread: libuv's pool works for the file write and the
// inflate), and the main thread's share of it, which is what bounds a busy server's rate.
// The baseline is the same measure of an empty async call. The bare express + multer
// endpoint of bench/submit.ts does none of these.
import { randomUUID } from 'node:crypto';
import { JobStore, LocalBlobStore, createLogger, createQueue, enqueue, newJobId, parseConfig } from '../packages/core/dist/index.js';
import { checkImage } from '../packages/server/dist/image-check.js';
import { ProofGate } from '../packages/server/dist/proof-gate.js';
import { scene } from '../test-support/images.js';
import { startRedis, tempDir } from '../test-support/processes.js';
import { cpuMs } from './proc.mjs';

const CALLS = Number(process.env.CALLS ?? 4000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const IN_FLIGHT = 32;

const dir = await tempDir('depict-steps-');
const redis = await startRedis();
const store = await JobStore.open({ dataDir: dir.path });
// Uploads as the server keeps them: small ones in the job store, and, for comparison, as files.
const files = await new LocalBlobStore(dir.path).init();
const blobs = store.inlineUploads(files, 64 * 1024);
const queue = createQueue({ role: 'producer', redisUrl: redis.url, prefix: 'depict-bench' });
await queue.ready();
// Lines go nowhere: the cost of making and writing them is what is measured.
const logger = createLogger('server', 'info', '/dev/null');
const png = await scene(320, 240);
const options = { length: 'normal', detail: 'auto' } as const;
const job = () => ({
  jobId: newJobId(),
  filename: 'small.png',
  mediaType: 'image/png',
  byteSize: png.length,
  sha256: 'ab'.repeat(32),
  width: 320,
  height: 240,
  owner: null,
  options,
});
await Promise.all(Array.from({ length: 20_000 }, () => store.insert(job())));

/** CPU time of this process's main thread, in µs, from /proc (clock ticks of 10 ms). */
const mainThreadMicros = () => cpuMs('self', process.pid) * 1000;

/** Process CPU (all threads) and the main thread's, per call, in µs, with IN_FLIGHT calls at a time. */
async function cpuPerCall(step: () => unknown): Promise<{ all: number; main: number }> {
  const run = async (calls: number) => {
    let started = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (started++ < calls) await step();
      }),
    );
  };
  await run(300); // warm up
  const before = process.cpuUsage();
  const mainBefore = mainThreadMicros();
  await run(CALLS);
  const used = process.cpuUsage(before);
  return { all: (used.user + used.system) / CALLS, main: (mainThreadMicros() - mainBefore) / CALLS };
}

const { decodeLimits: limits, proofs } = parseConfig({});
const gate = new ProofGate({ ...proofs, budgetBytes: limits.maxDecodeBytes });

const steps: Record<string, () => unknown> = {
  'baseline: an empty async call': async () => undefined,
  'prove a 320x240 PNG decodable': () => checkImage({ head: png.subarray(0, 64), bytes: png }, { limits, gate }),
  'content-cache lookup (a miss)': () => store.findCached('ab'.repeat(32), options, null),
  'keep the upload (3 KB, job store)': () => blobs.put(newJobId(), png),
  'keep the upload (3 KB, as a file)': () => files.put(newJobId(), png),
  'INSERT the job (grouped)': () => store.insert(job()),
  'enqueue its id': () => enqueue(queue, randomUUID()),
  "the job's log line": () =>
    logger.child({ reqId: 'bench' }).info({ job_id: 'bench', media_type: 'image/png', bytes: png.length }, 'job accepted'),
};

try {
  console.log(`Each step of a submit alone: µs of CPU per call (all threads; main thread), ${CALLS} calls, ${IN_FLIGHT} in flight; medians of ${ROUNDS} rounds`);
  const figures = new Map<string, Array<{ all: number; main: number }>>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, step] of Object.entries(steps)) figures.set(name, [...(figures.get(name) ?? []), await cpuPerCall(step)]);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const [name, xs] of figures) {
    const all = median(xs.map((x) => x.all));
    const main = median(xs.map((x) => x.main));
    console.log(
      `  ${name.padEnd(34)} ${all.toFixed(0).padStart(5)} µs; main thread ${main.toFixed(0).padStart(5)} µs   (rounds, all threads: ${xs.map((x) => x.all.toFixed(0)).join(', ')})`,
    );
  }
} finally {
  await queue.close();
  await store.close();
  await redis.proc.stop();
  await dir.remove();
}
