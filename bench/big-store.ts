// A big job store (issue: "Fast on one host, and across many", point 8).
//   npm run bench:store          (node --import tsx bench/big-store.ts)
//   ROWS=1000000 BASE_ROWS=1000 LOOKUPS=2000 to change the run.
//
// Two running servers on SQLite: one whose store holds BASE_ROWS jobs, one with ROWS,
// seeded straight into the database file. Through HTTP, as clients see it:
// GET /status and GET /result of random jobs (p50 and p99), POST /submit of a small PNG
// (whose content-cache lookup must not grow with the done jobs), and GET /jobs pages
// walked by their keyset cursor, first pages against the deepest ones.
import { createRequire } from 'node:module';
import path from 'node:path';
import { newJobId } from '../packages/core/dist/index.js';
import { scene } from '../test-support/images.js';
import { Stack } from '../test-support/processes.js';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const BASE_ROWS = Number(process.env.BASE_ROWS ?? 1_000);
const LOOKUPS = Number(process.env.LOOKUPS ?? 2_000);
const SUBMITS = Number(process.env.SUBMITS ?? 500);
const PAGE = 200;

// better-sqlite3 is the store's dependency; seed through it directly, in one transaction.
interface SqliteDb {
  prepare(sql: string): { run(...params: unknown[]): unknown };
  pragma(source: string): unknown;
  transaction(fn: () => void): () => void;
  close(): void;
}
const SQLite = createRequire(path.resolve('packages/core/package.json'))('better-sqlite3') as new (file: string) => SqliteDb;

function seed(dataDir: string, rows: number): string[] {
  const db = new SQLite(path.join(dataDir, 'depict.sqlite'));
  db.pragma('busy_timeout = 10000');
  const insert = db.prepare(`insert into jobs (job_id, status, filename, media_type, byte_size, sha256, width, height,
    description, generated_by, details, attempts, created_at, updated_at, started_at, finished_at, options)
    values (?, 'done', 'photo.jpg', 'image/jpeg', 123456, ?, 640, 480, ?, 'depict-analyzer@0.1.0', ?, 1, ?, ?, ?, ?, ?)`);
  const details = JSON.stringify({ analysis: { format: 'jpeg', width: 640, height: 480, palette: [{ name: 'sky blue', share: 0.4 }] } });
  const options = JSON.stringify({ length: 'normal', detail: 'auto' });
  // One a second up to now: the newest first, and all inside RETENTION_DAYS.
  const start = Date.now() - rows * 1000;
  const ids: string[] = [];
  db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      // Ids as the server makes them: version 7, with the job's creation time in front.
      const id = newJobId(start + i * 1000);
      const at = new Date(start + i * 1000).toISOString();
      insert.run(id, id.replace(/-/g, '').padEnd(64, '0'), 'A landscape photo, mostly sky blue.', details, at, at, at, at, options);
      ids.push(id);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return ids;
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

async function timed(url: string): Promise<{ ms: number; body: any }> {
  const t = performance.now();
  const res = await fetch(url);
  const body = await res.json();
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return { ms: performance.now() - t, body };
}

interface Figures {
  rows: number;
  status: { p50: number; p99: number };
  result: { p50: number; p99: number };
  submit: { p50: number; p99: number };
  firstPages: number;
  deepPages: number;
  pages: number;
}

async function measure(rows: number): Promise<Figures> {
  const stack = await new Stack().start({ worker: false });
  try {
    const seeded = performance.now();
    const ids = seed(stack.dataDir, rows);
    console.log(`  seeded ${rows} jobs in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
    const pick = () => ids[Math.floor(Math.random() * ids.length)]!;
    for (let i = 0; i < 50; i++) await timed(`${stack.url}/status/${pick()}`); // warm up
    const status: number[] = [];
    const result: number[] = [];
    for (let i = 0; i < LOOKUPS; i++) {
      status.push((await timed(`${stack.url}/status/${pick()}`)).ms);
      result.push((await timed(`${stack.url}/result/${pick()}`)).ms);
    }
    // The same image each time: no done job has its bytes, so every lookup misses.
    const image = new Blob([new Uint8Array(await scene(64, 48))]);
    const submit: number[] = [];
    for (let i = 0; i < SUBMITS; i++) {
      const form = new FormData();
      form.append('file', image, 'small.png');
      const t = performance.now();
      const res = await fetch(`${stack.url}/submit`, { method: 'POST', body: form });
      await res.json();
      if (res.status !== 202) throw new Error(`submit: ${res.status}`);
      if (i >= 20) submit.push(performance.now() - t); // the first ones warm up
    }
    // Walk every page newest first; compare the first ten with the ten deepest.
    const pageMs: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { ms: number; body: any } = await timed(`${stack.url}/jobs?limit=${PAGE}${cursor ? `&cursor=${cursor}` : ''}`);
      pageMs.push(page.ms);
      cursor = page.body.next_cursor;
    } while (cursor);
    return {
      rows,
      status: { p50: percentile(status, 50), p99: percentile(status, 99) },
      result: { p50: percentile(result, 50), p99: percentile(result, 99) },
      submit: { p50: percentile(submit, 50), p99: percentile(submit, 99) },
      firstPages: percentile(pageMs.slice(0, 10), 50),
      deepPages: percentile(pageMs.slice(-11, -1), 50),
      pages: pageMs.length,
    };
  } finally {
    await stack.stop();
  }
}

console.log(`A big job store on SQLite: ${ROWS} jobs against ${BASE_ROWS}, through HTTP`);
const base = await measure(BASE_ROWS);
const big = await measure(ROWS);
const f = (x: number) => `${x.toFixed(2)} ms`;
for (const r of [base, big]) {
  console.log(
    `  ${String(r.rows).padStart(8)} jobs: /status p50 ${f(r.status.p50)} p99 ${f(r.status.p99)}; /result p50 ${f(r.result.p50)} p99 ${f(r.result.p99)}; ` +
      `POST /submit p50 ${f(r.submit.p50)} p99 ${f(r.submit.p99)}; ` +
      `/jobs?limit=${PAGE}: first pages ${f(r.firstPages)}, deepest ${f(r.deepPages)} (${r.pages} pages)`,
  );
}
console.log(
  `  p99 ratio ${ROWS} to ${BASE_ROWS} rows: /status ${(big.status.p99 / base.status.p99).toFixed(2)}x, /result ${(big.result.p99 / base.result.p99).toFixed(2)}x, ` +
    `/submit ${(big.submit.p99 / base.submit.p99).toFixed(2)}x`,
);
console.log(`  deepest page against first page at ${ROWS} rows: ${(big.deepPages / big.firstPages).toFixed(2)}x`);
