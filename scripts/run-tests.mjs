#!/usr/bin/env node
// Runs every uvu test file (packages/*/test/*.test.ts) in its own Node process, one
// after another, then the integration tests again with the job store on PostgreSQL,
// and ends with the line CI reads: "N passed, N failed".
// Usage: node scripts/run-tests.mjs [--sqlite | --postgres] [filter...]
//   filters match file paths; --sqlite or --postgres runs only that pass.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FILE_TIMEOUT_MS = 5 * 60_000;
const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('--'));
const passes = { sqlite: !args.includes('--postgres'), postgres: !args.includes('--sqlite') };

/**
 * Files that run the whole service (a Stack) run again with its job store on the
 * machine's PostgreSQL (DEPICT_TEST_STORE=postgres; a schema per stack). Left out: what
 * does not touch the store's dialect (the browser, packing the SDK, reading .env, and
 * the vision API's failures and breaker, whose store calls the other files make too),
 * and the fault trials that choose their store themselves (PostgreSQL behind a proxy;
 * SQLite on a full disk).
 */
const onPostgres = (file) =>
  readFileSync(path.join(root, file), 'utf8').includes('new Stack(') &&
  !/ui-browser|sdk-package|dotenv|vision-failures|vision-breaker|store-outage|disk-full/.test(file);

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

function runFile(file, store = 'sqlite') {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', DEPICT_TEST_STORE: store },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      output += d;
      process.stderr.write(d);
    });
    const timer = setTimeout(() => {
      output += `\n${file}: killed after ${FILE_TIMEOUT_MS / 1000} s\n`;
      child.kill('SIGKILL');
    }, FILE_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const text = stripAnsi(output);
      const total = count(text, 'Total');
      const passed = count(text, 'Passed') ?? 0;
      const skipped = count(text, 'Skipped') ?? 0;
      let failed = total === undefined ? 1 : total - passed - skipped;
      // A file that printed a clean summary but still exited badly failed somewhere.
      if (failed === 0 && (code !== 0 || signal)) failed = 1;
      const label = store === 'postgres' ? `${file} [postgres]` : file;
      resolve({ file: label, passed, failed, skipped, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** The test files and test-support are TypeScript that tsx runs without checking: check them once. */
function typecheckTests() {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.test.json'], {
      cwd: root,
      stdio: 'inherit',
    });
    child.on('exit', (code) => {
      const ok = code === 0;
      resolve({ file: 'tsc -p tsconfig.test.json', passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/**
 * Browser tests drive Debian's Chromium. Install it (and redis-server) from Debian's
 * packages when they are missing and we may; otherwise the tests say what is missing.
 */
function ensureSystemPackages(needBrowser) {
  const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
  const missing = [];
  if (!has('redis-server')) missing.push('redis-server');
  if (needBrowser && !has('chromium')) missing.push('chromium');
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !has('apt-get')) {
    console.log(`missing: ${missing.join(', ')} (install them from your system's packages)`);
    return;
  }
  console.log(`installing ${missing.join(', ')} from Debian's packages`);
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

const files = testFiles();
ensureSystemPackages(files.some((f) => f.includes('browser')));
if (files.length === 0) {
  console.log('no test files matched');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const results = [];
if (filters.length === 0) {
  console.log('\n=== type-checking the tests');
  results.push(await typecheckTests());
}
if (passes.sqlite) {
  for (const file of files) {
    console.log(`\n=== ${file}`);
    results.push(await runFile(file));
  }
}
if (passes.postgres) {
  for (const file of files.filter(onPostgres)) {
    console.log(`\n=== ${file} [postgres]`);
    results.push(await runFile(file, 'postgres'));
  }
}

console.log('\nSummary');
for (const r of results) {
  const mark = r.failed ? 'FAIL' : 'ok  ';
  console.log(`  ${mark} ${r.file}: ${r.passed} passed, ${r.failed} failed (${r.seconds.toFixed(1)} s)`);
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
