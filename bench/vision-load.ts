// What the vision benchmarks share: a lean OpenAI-compatible server, submitting jobs
// through the real server, and reading the jobs' own times back from the job store.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { JobStore } from '../packages/core/dist/index.js';
import { submit } from '../test-support/api.js';
import { scene } from '../test-support/images.js';
import type { Stack } from '../test-support/processes.js';
import { waitFor } from '../test-support/ports.js';

const ANSWER = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 0,
  model: 'bench-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'A small test scene: sky, grass and a sun.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 100, completion_tokens: 12, total_tokens: 112 },
});

/**
 * The vision API: answers every chat completion after `latencyMs` and counts the calls.
 * It shares this machine's two cores with the worker, so it does as little as it can:
 * the request body is read but not parsed.
 */
export async function startVisionApi(latencyMs: number) {
  const api = {
    calls: 0,
    baseUrl: '',
    server: createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        api.calls++;
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER), latencyMs);
      });
    }),
    stop() {
      api.server.closeAllConnections();
      api.server.close();
    },
  };
  api.server.listen(0, '127.0.0.1');
  await once(api.server, 'listening');
  api.baseUrl = `http://127.0.0.1:${(api.server.address() as { port: number }).port}/v1`;
  return api;
}

/** Submit n images (small PNGs unless given) through POST /submit, 16 at a time; their job ids. */
export async function submitMany(stack: Stack, n: number, image?: Buffer): Promise<string[]> {
  image ??= await scene(320, 240);
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < n) {
        next++;
        const sent = await submit(stack.url, image!);
        if (sent.status !== 202) throw new Error(`submit answered ${sent.status}: ${JSON.stringify(sent.body)}`);
        ids.push(sent.body.job_id);
      }
    }),
  );
  return ids;
}

export interface Finished {
  jobs: number;
  seconds: number;
  perSecond: number;
  /** Median and 99th percentile of each job's own time, taken to finished. */
  jobMs: { p50: number; p99: number };
  /** Attempts recorded per job, over all jobs: 1 each when nothing ran twice. */
  attempts: number;
  /**
   * Jobs per second in the middle of the run: over the finish times of the middle two
   * thirds of the jobs, leaving out the start (processes coming up one after another)
   * and the end (one process finishing its last job alone).
   */
  steadyPerSecond: number;
}

export const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

/**
 * Wait until none of the stack's jobs is queued or processing, check that each of `ids`
 * ended done, then measure from the store: jobs / (last finished - first started).
 */
export async function finishedJobs(stack: Stack, ids: string[]): Promise<Finished> {
  const store = await JobStore.open({ dataDir: stack.dataDir, databaseUrl: stack.databaseUrl });
  try {
    await waitFor(
      `${ids.length} jobs to finish`,
      async () => {
        const counts = await store.countByStatus(null);
        return (counts.queued ?? 0) + (counts.processing ?? 0) === 0 ? true : undefined;
      },
      { timeoutMs: 30 * 60_000, intervalMs: 200 },
    );
    const jobs = await Promise.all(ids.map((id) => store.get(id)));
    const notDone = jobs.filter((j) => j?.status !== 'done');
    if (notDone.length) throw new Error(`${notDone.length} jobs did not end done: ${JSON.stringify(notDone[0])}`);
    const attempts = (await Promise.all(ids.map((id) => store.attemptsOf(id)))).reduce((n, a) => n + a.length, 0);
    const first = Math.min(...jobs.map((j) => Date.parse(j!.startedAt!)));
    const last = Math.max(...jobs.map((j) => Date.parse(j!.finishedAt!)));
    const seconds = (last - first) / 1000;
    const own = jobs.map((j) => Date.parse(j!.finishedAt!) - Date.parse(j!.startedAt!));
    const finishes = jobs.map((j) => Date.parse(j!.finishedAt!)).sort((a, b) => a - b);
    const [from, to] = [Math.floor(finishes.length / 6), finishes.length - 1 - Math.floor(finishes.length / 6)];
    const steadyPerSecond = (to - from) / ((finishes[to]! - finishes[from]!) / 1000);
    return {
      jobs: ids.length,
      seconds,
      perSecond: ids.length / seconds,
      jobMs: { p50: percentile(own, 50), p99: percentile(own, 99) },
      attempts,
      steadyPerSecond,
    };
  } finally {
    await store.close();
  }
}
