// Cheap floods (issue 17, points 4 to 7): inputs cheap to send and dear to check or hold.
//   npm run bench:floods          (node --import tsx bench/floods.ts)
//   PROBES=30 IN_FLIGHT=4 FLOODS=scans,adam7 to change the run (FLOODS: names below).
//
// The whole service (server, worker, private Redis) is started afresh for each flood,
// with two API keys and the rate limit on, as in production. First, with nothing else
// going on, one key submits a small PNG PROBES times, one after another: the baseline.
// Then the other key keeps IN_FLIGHT hostile uploads in flight (each replaced as soon
// as it is answered) while the first key probes again. Reported: the probes' median and
// p95 against the baseline's, what the flood's uploads were answered, and the server's
// peak resident set (VmHWM: the stack is new, so its peak is this flood's).
// Targets: every probe under 1 s while a flood runs; server peak RSS under 600 MB.
//
// A flood is one entry in FLOODS: a name, what it is, and either how to make one upload
// (sent IN_FLIGHT at a time) or how to run it.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { MOST_GREY_SCANS, manyScanJpeg, zeroPng } from '../test-support/hostile-images.js';
import { png } from '../test-support/images.js';
import { Stack } from '../test-support/processes.js';
import { memoryMb } from './proc.mjs';
import { percentile } from './vision-load.js';

const median = (xs: number[]) => percentile(xs, 50);

const PROBES = Number(process.env.PROBES ?? 30);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 4);
/** Between probes while a flood runs, so they sample all of it rather than one moment. */
const PROBE_GAP_MS = 100;
/** Let the flood's first uploads reach the server before probing. */
const FLOOD_WARMUP_MS = 500;

interface UploadFlood {
  readonly name: string;
  readonly what: string;
  readonly filename: string;
  /** The upload the flood sends over and over; made once. */
  readonly make: () => Promise<Buffer>;
}

/** A flood that is not one upload sent over and over: it runs until `stop.done`, then says how it was answered. */
interface CustomFlood {
  readonly name: string;
  readonly what: string;
  readonly run: (url: string, stop: { done: boolean }) => Promise<Map<string, number>>;
}

type Flood = UploadFlood | CustomFlood;

/** Connections the slow-upload flood opens, each sending SLOW_FIRST_BYTES and then a byte every SLOW_TRICKLE_MS. */
const SLOW_CONNECTIONS = Number(process.env.SLOW_CONNECTIONS ?? 1000);
const SLOW_FIRST_BYTES = 1024 * 1024;
const SLOW_TRICKLE_MS = 5_000;
/** A JSON body the size of an upload, sent where a call needs a few hundred bytes. */
const JSON_FLOOD_BYTES = 19 * 1024 * 1024;

const FLOODS: Flood[] = [
  {
    name: 'scans',
    what: `progressive JPEGs, 10000 x 10000 grey, ${MOST_GREY_SCANS} scans`,
    filename: 'scans.jpg',
    make: async () => manyScanJpeg({ width: 10_000, height: 10_000, scans: MOST_GREY_SCANS }),
  },
  {
    name: 'adam7',
    what: 'interlaced 16-bit RGBA PNGs, 10000 x 10000',
    filename: 'adam7.png',
    make: () => zeroPng({ width: 10_000, height: 10_000, bitDepth: 16, colourType: 6, interlaced: true }),
  },
  {
    name: 'costly',
    what: 'progressive JPEGs within every limit, 6000 x 6000 grey, 100 scans (the proof gate)',
    filename: 'costly.jpg',
    make: async () => manyScanJpeg({ width: 6000, height: 6000, scans: 100 }),
  },
  {
    name: 'slow',
    what: `slow uploads: ${SLOW_CONNECTIONS} connections, each 1 MB of a 20 MB body, then a byte every ${SLOW_TRICKLE_MS / 1000} s`,
    run: slowUploads,
  },
  {
    name: 'json',
    what: `${(JSON_FLOOD_BYTES / 1024 / 1024).toFixed(0)} MB JSON bodies to a tRPC call, ${IN_FLIGHT} at a time`,
    run: jsonFlood,
  },
];

const FLOOD_KEY = 'bench-flood-key';
const PROBE_KEY = 'bench-probe-key';

interface Answer {
  status: number;
  code: string | undefined;
  ms: number;
}

async function send(url: string, key: string, bytes: Buffer, filename: string): Promise<Answer> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type: 'application/octet-stream' }), filename);
  form.append('cache', 'false');
  const started = performance.now();
  const res = await fetch(`${url}/submit`, { method: 'POST', body: form, headers: { authorization: `Bearer ${key}` } });
  const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
  return { status: res.status, code: body.error?.code, ms: performance.now() - started };
}

async function probe(url: string, small: Buffer, gapMs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < PROBES; i++) {
    const answer = await send(url, PROBE_KEY, small, 'small.png');
    if (answer.status !== 202) throw new Error(`a probe was answered ${answer.status} ${answer.code}`);
    times.push(answer.ms);
    if (gapMs) await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  return times;
}

/** Keep IN_FLIGHT requests going until `stop` is set; count how each was answered. */
async function lanes(request: () => Promise<Answer>, stop: { done: boolean }): Promise<Map<string, number>> {
  const answers = new Map<string, number>();
  const lane = async () => {
    while (!stop.done) {
      const answer = await request().catch(() => ({ status: 0, code: 'connection failed', ms: 0 }));
      count(answers, `${answer.status}${answer.code ? ` ${answer.code}` : ''}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return answers;
}

const count = (answers: Map<string, number>, key: string) => answers.set(key, (answers.get(key) ?? 0) + 1);

/**
 * IN_FLIGHT lanes of oversized JSON bodies to a procedure whose input is a few fields,
 * sent from a thread of their own: pushing 19 MB bodies keeps a thread busy, and on the
 * probes' thread it would slow the probes, not the server.
 */
async function jsonFlood(url: string, stop: { done: boolean }): Promise<Map<string, number>> {
  const source = `
    const { parentPort, workerData: { url, key, bytes, lanes } } = require('node:worker_threads');
    const body = JSON.stringify({ error_code: 'x'.repeat(bytes) });
    const answers = {};
    let done = false;
    parentPort.on('message', () => (done = true));
    const lane = async () => {
      while (!done) {
        let status = 0, code;
        try {
          const res = await fetch(url + '/trpc/job.retryMany', { method: 'POST', body, headers: { authorization: 'Bearer ' + key, 'content-type': 'application/json' } });
          status = res.status;
          code = (await res.json().catch(() => ({}))).error?.error?.code;
        } catch { code = 'connection failed'; }
        const k = status + (code ? ' ' + code : '');
        answers[k] = (answers[k] ?? 0) + 1;
      }
    };
    Promise.all(Array.from({ length: lanes }, lane)).then(() => parentPort.postMessage(answers));`;
  const thread = new Worker(source, { eval: true, workerData: { url, key: FLOOD_KEY, bytes: JSON_FLOOD_BYTES, lanes: IN_FLIGHT } });
  while (!stop.done) await new Promise((resolve) => setTimeout(resolve, 100));
  thread.postMessage('stop');
  const [answers] = (await once(thread, 'message')) as [Record<string, number>];
  await thread.terminate();
  return new Map(Object.entries(answers));
}

/**
 * SLOW_CONNECTIONS raw connections, each declaring a 20 MB upload, sending its first
 * megabyte and then a byte every few seconds, held until `stop`; answers counted by
 * status line, or as "held" for those the server is still receiving.
 */
async function slowUploads(url: string, stop: { done: boolean }): Promise<Map<string, number>> {
  const { hostname, port } = new URL(url);
  const boundary = 'depictfloodboundary';
  const head =
    `POST /submit HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${FLOOD_KEY}\r\n` +
    `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${20 * 1024 * 1024}\r\n\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.png"\r\n\r\n`;
  const first = Buffer.concat([Buffer.from(head), Buffer.alloc(SLOW_FIRST_BYTES - head.length, 0x41)]);
  const answers = new Map<string, number>();
  const sockets: Socket[] = [];
  const answered = new Set<Socket>();
  for (let i = 0; i < SLOW_CONNECTIONS && !stop.done; i++) {
    const socket = connect(Number(port), hostname);
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.once('data', (d: Buffer) => {
      answered.add(socket);
      count(answers, /^HTTP\/1\.1 (\d{3})/.exec(d.toString('latin1'))?.[1] ?? 'garbled');
    });
    socket.write(first);
  }
  const trickle = setInterval(() => sockets.forEach((s) => s.writable && s.write('A')), SLOW_TRICKLE_MS);
  while (!stop.done) await new Promise((resolve) => setTimeout(resolve, 100));
  clearInterval(trickle);
  answers.set('held', sockets.filter((s) => !answered.has(s)).length);
  for (const socket of sockets) socket.destroy();
  return answers;
}

const ms = (x: number) => `${x.toFixed(0)} ms`;

const chosen = process.env.FLOODS ? FLOODS.filter((f) => process.env.FLOODS!.split(',').includes(f.name)) : FLOODS;
const small = await png({ width: 64, height: 48 });
console.log(`Small PNG submits (64 x 48) by one API key while another keeps ${IN_FLIGHT} hostile uploads in flight; ${PROBES} probes each`);
let failed = false;
for (const entry of chosen) {
  const bytes = 'make' in entry ? await entry.make() : undefined;
  const stack = new Stack({ API_KEYS: `${FLOOD_KEY},${PROBE_KEY}`, RATE_LIMIT_POINTS: '6000', ANALYZER_OCR: 'off' });
  await stack.start();
  try {
    const pid = stack.server.proc.child.pid!;
    await probe(stack.url, small, 0); // warm up
    const baseline = await probe(stack.url, small, PROBE_GAP_MS);
    const stop = { done: false };
    const flooding = 'run' in entry ? entry.run(stack.url, stop) : lanes(() => send(stack.url, FLOOD_KEY, bytes!, entry.filename), stop);
    await new Promise((resolve) => setTimeout(resolve, FLOOD_WARMUP_MS));
    const loaded = await probe(stack.url, small, PROBE_GAP_MS);
    stop.done = true;
    const answers = await flooding;
    const peak = memoryMb(pid, 'VmHWM');
    const worst = Math.max(...loaded);
    const ok = worst < 1000 && peak < 600;
    failed ||= !ok;
    console.log(`\n(${entry.name}) ${entry.what}${bytes ? `: ${(bytes.length / 1000).toFixed(0)} kB each` : ''}`);
    console.log(`  flood answered: ${[...answers].map(([k, n]) => `${n} x ${k}`).join(', ')}`);
    console.log(`  baseline     p50 ${ms(median(baseline))}, p95 ${ms(percentile(baseline, 95))}`);
    console.log(
      `  under flood  p50 ${ms(median(loaded))}, p95 ${ms(percentile(loaded, 95))}, max ${ms(worst)}  ` +
        `(p50 ${(median(loaded) / median(baseline)).toFixed(1)}x baseline; target: every probe < 1000 ms)`,
    );
    console.log(`  server peak RSS ${peak.toFixed(0)} MB (target < 600 MB)${ok ? '' : '   MISSED'}`);
  } finally {
    await stack.stop();
  }
}
process.exitCode = failed ? 1 : 0;
