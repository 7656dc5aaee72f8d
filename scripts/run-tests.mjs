#!/usr/bin/env node
// Runs every uvu test file (packages/*/test/*.test.ts) in its own Node process, and the
// integration tests again with the job store on PostgreSQL, TEST_JOBS files at a time
// (default 4), and ends with the line CI reads: "N passed, N failed". Each file's
// output is printed whole when the file ends, so files running together never interleave.
// Usage: node scripts/run-tests.mjs [--sqlite | --postgres] [--record-times] [--cpu] [filter...]
//   filters match file paths; --sqlite or --postgres runs only that pass;
//   --record-times writes each file's duration to scripts/test-times.json;
//   --cpu runs each file under /usr/bin/time and adds the CPU seconds it and every
//   process it started and waited for (servers, workers, Redis) spent to the summary.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTests, emittedPath } from './build-tests.mjs';
import { ensureSystemPackages, fetchTestImages, installNode22 } from './test-prerequisites.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FILE_TIMEOUT_MS = 5 * 60_000;
const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('--'));
const passes = { sqlite: !args.includes('--postgres'), postgres: !args.includes('--sqlite') };
const JOBS = Math.max(1, Number.parseInt(process.env.TEST_JOBS ?? '4', 10) || 4);
const TIMES_FILE = path.join(root, 'scripts', 'test-times.json');
const measureCpu = args.includes('--cpu');
const CPU_MARK = 'depict-test-cpu';

/**
 * Files that run again with the job store on the machine's PostgreSQL
 * (DEPICT_TEST_STORE=postgres; a schema per stack). The job store's own test runs every
 * query and transition on both dialects (claims and leases, endings, dead letters, the
 * usage ledger, model calls, retention, the webhook outbox); these are the end-to-end
 * paths over it: submit and read, lists and cursors, events, idempotency keys and the
 * content cache, webhooks, retries, usage in /stats, and the SDK over all of them. The
 * rest (limits, refusals, Redis outages, crashes, the browser, the clients' documents and
 * examples) do the same on either store, and run once.
 */
const POSTGRES_FILES = [
  'server/test/api.test.ts',
  'server/test/jobs-api.test.ts',
  'server/test/events.test.ts',
  'server/test/idempotency-cache.test.ts',
  'server/test/webhooks.test.ts',
  'worker/test/dead-letters.test.ts',
  'worker/test/vision-usage.test.ts',
  'sdk/test/sdk.test.ts',
];
const onPostgres = (file) => POSTGRES_FILES.some((name) => file.endsWith(name));

function testFiles() {
  const files = [];
  for (const pkg of readdirSync(path.join(root, 'packages')).sort()) {
    const dir = path.join(root, 'packages', pkg, 'test');
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      if (name.endsWith('.test.ts')) files.push(path.join('packages', pkg, 'test', name));
    }
  }
  return files.filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
}

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

function count(output, label) {
  const m = new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm').exec(output);
  return m ? Number(m[1]) : undefined;
}

/** Test processes under way, each the leader of its own process group. */
const running = new Set();

/** A test file and everything it started (redis-server, server, worker): its process group. */
function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of running) killGroup(child);
    process.exit(130);
  });
}

function runFile(file, store = 'sqlite') {
  return new Promise((resolve) => {
    const started = Date.now();
    // A group of its own, so that a file killed for its time takes its servers with it.
    const command = [process.execPath, '--enable-source-maps', emittedPath(file)];
    if (measureCpu) command.unshift('/usr/bin/time', '-f', `${CPU_MARK} %U %S`);
    const child = spawn(command[0], command.slice(1), {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', DEPICT_TEST_STORE: store },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.add(child);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n${file}: killed after ${FILE_TIMEOUT_MS / 1000} s\n`;
      killGroup(child);
    }, FILE_TIMEOUT_MS);
    // What the file started and left behind goes with it (and with them, any hold they
    // have on its output, which 'close' waits for).
    child.on('exit', () => killGroup(child));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      const text = stripAnsi(output);
      const total = count(text, 'Total');
      const passed = count(text, 'Passed') ?? 0;
      const skipped = count(text, 'Skipped') ?? 0;
      let failed = total === undefined ? 1 : total - passed - skipped;
      // A file that printed a clean summary but still exited badly failed somewhere.
      if (failed === 0 && (code !== 0 || signal)) failed = 1;
      const label = store === 'postgres' ? `${file} [postgres]` : file;
      const cpu = new RegExp(`^${CPU_MARK} ([\\d.]+) ([\\d.]+)$`, 'm').exec(text);
      const cpuSeconds = cpu ? Number(cpu[1]) + Number(cpu[2]) : undefined;
      resolve({ file: label, output, passed, failed, skipped, seconds: (Date.now() - started) / 1000, cpuSeconds });
    });
  });
}

/** The test files and test-support are TypeScript that tsx runs without checking: check them once. */
function typecheckTests() {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.test.json'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      const ok = code === 0;
      resolve({ file: TYPECHECK, output, passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/**
 * The file that cannot share the machine: the server's decode-limits test times small
 * submits while its own costly proofs take every thread; with other files beside it, it
 * would measure them. It runs first, by itself.
 */
const isAlone = (label) => /server\/test\/decode-limits/.test(label);

/**
 * Files that share the machine with one companion at most, one at a time. store-outage
 * times submits through a PostgreSQL cut and freeze against bounds a second or two above
 * the store's timeout; three other stacks beside it made those timings theirs. The
 * browser files drive Chromium against stacks of their own, and their waits for a page to
 * change are timed in the browser, where a renderer starved by other stacks misses them.
 * The companion lane beside them takes only files that compute in their own process and
 * time nothing (the analyzer's, the type-check, the store's pure modules), which would
 * otherwise leave the second core idle meanwhile.
 */
const isPaired = (label) => /server\/test\/(store-outage|ui-browser)/.test(label);
const isCompanion = (label) =>
  label === TYPECHECK ||
  /worker\/test\/(analyzer|analyzer-quality|analyzer-real-images|analyzer-accuracy|decode|recognition-judge)\.test\.ts$/.test(label) ||
  /core\/test\/(job-id|image-header|jpeg-layout|address-policy|compiled-queries|job-store-statements|inline-blob-store)\.test\.ts$/.test(label) ||
  /contract\/test\//.test(label);

const TYPECHECK = 'tsc -p tsconfig.test.json';

/**
 * Seconds each file took when last recorded (--record-times), kept in the repository so a
 * fresh clone, which has no history of its own, starts its longest files first: the
 * suite then ends when its longest file does, not when a long file started last does.
 * Rounded, and written only on request, so it changes when the suite does, not every run.
 */
function recordedTimes() {
  try {
    return JSON.parse(readFileSync(TIMES_FILE, 'utf8'));
  } catch {
    return {};
  }
}

/**
 * Run the tasks, JOBS at a time, longest first: the file that must run alone first; then
 * the paired files one at a time with a companion lane beside them; then the rest.
 */
async function runAll(tasks, times) {
  // A file not yet timed is put among the long ones: guessing short could leave it last.
  const guess = Math.max(0, ...Object.values(times));
  const seconds = (t) => times[t.label] ?? guess;
  const alone = tasks.filter((t) => isAlone(t.label));
  const paired = tasks.filter((t) => isPaired(t.label));
  const queue = tasks.filter((t) => !isAlone(t.label) && !isPaired(t.label)).sort((a, b) => seconds(b) - seconds(a));
  const results = new Map();
  const report = (r) => {
    results.set(r.file, r);
    console.log(`\n=== ${r.file} (${r.seconds.toFixed(1)} s)`);
    process.stdout.write(r.output.endsWith('\n') || r.output === '' ? r.output : `${r.output}\n`);
  };
  /** The next task a lane may take: while the paired files run, only a companion. */
  let pairedRunning = paired.length > 0;
  const take = () => {
    const index = pairedRunning ? queue.findIndex((t) => isCompanion(t.label)) : 0;
    return index < 0 ? undefined : queue.splice(index, 1)[0];
  };
  for (const task of alone) report(await task.run());
  let pairedDone;
  const pairedFinished = new Promise((resolve) => (pairedDone = resolve));
  const lane = async () => {
    for (;;) {
      const task = take();
      if (task) report(await task.run());
      else if (pairedRunning) await pairedFinished;
      else return;
    }
  };
  const companion = lane();
  for (const task of paired) report(await task.run());
  pairedRunning = false;
  pairedDone();
  await Promise.all([companion, ...Array.from({ length: Math.max(0, Math.min(JOBS, queue.length + 1) - 1) }, lane)]);
  // The summary in the suite's own order, whatever order the files ended in.
  return tasks.map((t) => results.get(t.label));
}

const files = testFiles();
ensureSystemPackages({ browser: files.some((f) => f.includes('browser')), clients: files.some((f) => f.includes('readme-examples')) });
if (files.length === 0) {
  console.log('no test files matched');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const tasks = [];
if (filters.length === 0) tasks.push({ label: TYPECHECK, run: typecheckTests });
if (passes.sqlite) for (const file of files) tasks.push({ label: file, run: () => runFile(file) });
if (passes.postgres) {
  for (const file of files.filter(onPostgres)) tasks.push({ label: `${file} [postgres]`, run: () => runFile(file, 'postgres') });
}
const wallStarted = Date.now();
await buildTests(root);
if (tasks.some((t) => t.label.includes('node22-smoke'))) await installNode22(root);
if (tasks.some((t) => /worker\/test\/(analyzer-quality|analyzer-real-images|recognition)/.test(t.label))) await fetchTestImages(root);
const first = tasks.filter((t) => isAlone(t.label) || isPaired(t.label)).map((t) => t.label);
console.log(`running ${tasks.length} tasks, ${JOBS} at a time${first.length ? `, after ${first.join(', ')} (all but the first beside a companion)` : ''}`);
const results = await runAll(tasks, recordedTimes());
const wallSeconds = (Date.now() - wallStarted) / 1000;

if (args.includes('--record-times')) {
  const times = { ...recordedTimes() };
  for (const r of results) times[r.file] = Math.max(1, Math.round(r.seconds));
  const sorted = Object.fromEntries(Object.entries(times).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(TIMES_FILE, `${JSON.stringify(sorted, null, 2)}\n`);
}

console.log(`\nSummary (${wallSeconds.toFixed(0)} s, ${JOBS} at a time)`);
for (const r of results) {
  const mark = r.failed ? 'FAIL' : 'ok  ';
  const cpu = r.cpuSeconds === undefined ? '' : `, ${r.cpuSeconds.toFixed(1)} s CPU`;
  console.log(`  ${mark} ${r.file}: ${r.passed} passed, ${r.failed} failed (${r.seconds.toFixed(1)} s${cpu})`);
}
if (measureCpu) console.log(`CPU of the test files and what they started: ${results.reduce((n, r) => n + (r.cpuSeconds ?? 0), 0).toFixed(0)} s`);
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
