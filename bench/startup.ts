// CPU and memory of a server's and a worker's start, from exec to ready (the server's
// "listening on" line, the worker's "worker started"), for three builds of the same code:
//   cached    what `npm run build` makes: app.cjs run through app.cjs.cache (V8's code cache)
//   uncached  the same bundle with its code cache withheld
//   esm       the code bundled as ES modules, as before the code cache (esbuild, splitting)
// RUNS alternating rounds, each build once per round; medians. CPU is the process's
// user + system time (/proc/<pid>/stat) once it has logged ready, RSS its resident set then.
//   node --import tsx bench/startup.ts        (npm run bench:startup; RUNS=9 by default)
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT, startRedis, startServer, startWorker } from '../test-support/processes.js';
import { cpuMs, memoryMb } from './proc.mjs';
import { median } from './stats.mjs';

const RUNS = Number(process.env.RUNS ?? 9);
type Name = 'server' | 'worker';
type Build = 'cached' | 'uncached' | 'esm';

/** The builds to compare, each an entry one level below its package as bundle/main.mjs is. */
async function prepare(name: Name): Promise<Record<Build, string>> {
  const pkg = path.join(REPO_ROOT, 'packages', name);
  const [uncached, esm] = [path.join(pkg, '.bench-startup-uncached'), path.join(pkg, '.bench-startup-esm')];
  for (const dir of [uncached, esm]) rmSync(dir, { recursive: true, force: true });
  mkdirSync(uncached);
  for (const file of ['main.mjs', 'app.cjs']) copyFileSync(path.join(pkg, 'bundle', file), path.join(uncached, file));
  // The bundle's own options but ES modules; its externals are what app.cjs requires from outside.
  const external = [...new Set([...readFileSync(path.join(pkg, 'bundle/app.cjs'), 'utf8').matchAll(/(?:require|import)\("([^".][^"]*)"\)/g)].map((m) => m[1]!))];
  await build({
    entryPoints: { app: path.join(pkg, 'dist/main.js') },
    outdir: esm,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    chunkNames: 'chunk-[hash]',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: external.filter((e) => !e.startsWith('node:')),
    banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
    logLevel: 'error',
  });
  writeFileSync(path.join(esm, 'main.mjs'), "import { main } from './app.mjs';\nawait main();\n");
  return { cached: path.join(pkg, 'bundle/main.mjs'), uncached: path.join(uncached, 'main.mjs'), esm: path.join(esm, 'main.mjs') };
}

/** Start `entry` and wait until it is ready; its CPU (ms) and RSS (MB) then. Stops it after. */
async function start(name: Name, entry: string, env: Record<string, string>): Promise<{ cpuMs: number; rssMb: number }> {
  const proc = name === 'server' ? (await startServer(env, { entry })).proc : await startWorker(env, { entry });
  const pid = proc.child.pid!;
  const ready = { cpuMs: cpuMs(pid), rssMb: memoryMb(pid, 'VmRSS') };
  await proc.stop();
  return ready;
}

const redis = await startRedis();
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'depict-bench-startup-'));
try {
  for (const name of ['server', 'worker'] as const) {
    const entries = await prepare(name);
    const results: Record<Build, { cpuMs: number; rssMb: number }[]> = { cached: [], uncached: [], esm: [] };
    for (let round = 0; round < RUNS; round++) {
      for (const variant of Object.keys(entries) as Build[]) {
        const dir = path.join(dataDir, `${name}-${variant}-${round}`);
        results[variant].push(await start(name, entries[variant], { REDIS_URL: redis.url, DATA_DIR: dir, QUEUE_PREFIX: `bench-${round}` }));
        await rm(dir, { recursive: true, force: true });
      }
    }
    const cpu = (b: Build) => median(results[b].map((r) => r.cpuMs));
    const rss = (b: Build) => median(results[b].map((r) => r.rssMb));
    for (const b of Object.keys(entries) as Build[]) {
      console.log(`${name} ${b.padEnd(8)} CPU to ready ${cpu(b).toFixed(0)} ms, RSS ${rss(b).toFixed(0)} MB (median of ${RUNS})`);
    }
    console.log(`${name}: cached / esm CPU ${(cpu('cached') / cpu('esm')).toFixed(2)}, cached / uncached ${(cpu('cached') / cpu('uncached')).toFixed(2)}`);
    for (const build of ['uncached', 'esm']) rmSync(path.join(REPO_ROOT, 'packages', name, `.bench-startup-${build}`), { recursive: true, force: true });
  }
} finally {
  await redis.proc.stop();
  await rm(dataDir, { recursive: true, force: true });
}
