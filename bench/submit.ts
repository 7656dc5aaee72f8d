// Submit throughput and upload memory (issue: "Fast on one host, and across many", point 3).
//   npm run bench:submit          (node --import tsx bench/submit.ts)
//   SECONDS=10 SLICES=5 CONNECTIONS=32 ROUNDS=3 to change the run (SECONDS per side per round).
//
// 1. autocannon POSTs a small PNG to /submit over CONNECTIONS connections for SECONDS,
//    against Depict's server (no worker: jobs stay queued) and, as the baseline in the
//    same run, a bare express + multer endpoint that only writes the file (bench/bare-upload.mjs).
//    Each round runs one against the other in alternating slices (SLICES of each, the
//    order swapped every pair), so both see the same minutes of this machine, whose speed
//    drifts by a third between minutes; the ratio is taken within a round, and the
//    median of the rounds' ratios is the figure.
// 2. 32 uploads of a 15 MB PNG at once to a fresh server: its peak resident set (VmHWM).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import autocannon from 'autocannon';
import { scene, sharp } from '../test-support/images.js';
import { Stack, tempDir } from '../test-support/processes.js';
import { memoryMb } from './proc.mjs';

const SECONDS = Number(process.env.SECONDS ?? 10);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SLICES = Number(process.env.SLICES ?? 5);

const dir = await tempDir('depict-bench-');
const smallPng = path.join(dir.path, 'small.png');
await writeFile(smallPng, await scene(320, 240));

interface Load {
  perSecond: number;
  p50: number;
  p99: number;
}

interface Slice {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
}

async function slice(url: string, seconds: number): Promise<Slice> {
  const result = await autocannon({
    url: `${url}/submit`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    form: { file: { type: 'file', path: smallPng, options: { filename: 'small.png', contentType: 'image/png' } } },
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${url}: ${bad} of ${result.requests.total} requests failed`);
  return { requests: result.requests.total, seconds: result.duration, p50: result.latency.p50, p99: result.latency.p99 };
}

/** A round: SLICES slices of each server, alternating, the order swapped every pair. */
async function round(first: string, second: string): Promise<[Load, Load]> {
  const slices: [Slice[], Slice[]] = [[], []];
  for (let i = 0; i < SLICES; i++) {
    const order = i % 2 === 0 ? [0, 1] : [1, 0];
    for (const side of order) slices[side]!.push(await slice(side === 0 ? first : second, SECONDS / SLICES));
  }
  const load = (xs: Slice[]): Load => ({
    perSecond: xs.reduce((n, x) => n + x.requests, 0) / xs.reduce((t, x) => t + x.seconds, 0),
    p50: median(xs.map((x) => x.p50)),
    p99: median(xs.map((x) => x.p99)),
  });
  return [load(slices[0]), load(slices[1])];
}

async function bareServer(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['bench/bare-upload.mjs'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`bare server exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const show = (name: string, runs: Load[]) =>
  `  ${name.padEnd(28)} ${median(runs.map((r) => r.perSecond)).toFixed(0).padStart(6)} req/s, ` +
  `p50 ${median(runs.map((r) => r.p50))} ms, p99 ${median(runs.map((r) => r.p99))} ms`;

try {
  console.log(`POST /submit with a ${(await readFile(smallPng)).length}-byte PNG, ${CONNECTIONS} connections, ${SECONDS} s per side per round in ${SLICES} alternating slices`);
  // The server's log lines go to a file, as to a log collector: read through a pipe, they
  // would cost this process (and autocannon in it) CPU that the bare server never asks for.
  const stack = await new Stack().start({ worker: false, serverLogFile: path.join(dir.path, 'server.log') });
  const bare = await bareServer();
  const depict: Load[] = [];
  const baseline: Load[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const [bareRound, depictRound] = await round(bare.url, stack.url);
      baseline.push(bareRound);
      depict.push(depictRound);
    }
  } finally {
    bare.stop();
    await stack.stop();
  }
  console.log(show('bare express + multer', baseline));
  console.log(show('Depict POST /submit', depict));
  const ratios = depict.map((r, i) => r.perSecond / baseline[i]!.perSecond);
  console.log(
    `  ratio of requests/s: ${median(ratios).toFixed(2)}, the median of the rounds' ${ratios.map((r) => r.toFixed(2)).join(', ')} (target >= 0.5)`,
  );

  // 32 large uploads at once.
  const bigPng = await sharp(randomBytes(2240 * 2240 * 3), {
    raw: { width: 2240, height: 2240, channels: 3 },
  })
    .png({ compressionLevel: 0 })
    .toBuffer();
  // Their declared sizes (480 MB together) are past UPLOAD_MEMORY_MB's default of 256, which
  // counts what a body might hold in memory before it is parsed; each upload actually keeps
  // at most 1 MB in memory, and that is what this measures.
  const fresh = await new Stack({ UPLOAD_MEMORY_MB: '1024' }).start({ worker: false });
  try {
    const before = memoryMb(fresh.server.proc.child.pid!, 'VmHWM');
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 32 }, async () => {
        const form = new FormData();
        form.append('file', new Blob([new Uint8Array(bigPng)]), 'big.png');
        return (await fetch(`${fresh.url}/submit`, { method: 'POST', body: form })).status;
      }),
    );
    if (answers.some((s) => s !== 202)) throw new Error(`large uploads answered ${answers.join(',')}`);
    const peak = memoryMb(fresh.server.proc.child.pid!, 'VmHWM');
    console.log(
      `  32 concurrent ${(bigPng.length / 1e6).toFixed(1)} MB uploads: all 202 in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
        `server peak RSS ${peak.toFixed(0)} MB (${before.toFixed(0)} MB before; target <= 250 MB)`,
    );
  } finally {
    await fresh.stop();
  }
} finally {
  await dir.remove();
}
