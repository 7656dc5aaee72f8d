#!/usr/bin/env node
// The server and the worker as they run: each one's dist/main.js (tsc's output) bundled
// with its JavaScript dependencies into packages/<name>/bundle/main.mjs. A process then
// reads a handful of files at start-up, not some 1,400, and Node 20's module loader was
// most of a start's CPU (docs/performance.md). `npm start`, the image and the tests all
// run the bundles; dist/ stays what other packages and the tests import.
//
// Left outside, loaded from node_modules as they are: native modules, packages that find
// their own files by path (bee-queue's Lua scripts, swagger-ui's folder, tesseract.js's
// worker script and data, the recognition models and their wasm), and the clients that
// load only when configured (pg, the AWS SDK, the openai SDK). redis stays outside because
// bee-queue loads it from node_modules too: bundled, a process would hold two copies. The
// bundle lives one level below its package, as dist/main.js does, so the paths our own
// modules take from import.meta.url (the package.json, the repository root, the UI's
// folder) are the same.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Outside every bundle: see above. Each the bundle loads is a dependency of its package. */
const EXTERNAL = ['better-sqlite3', 'sharp', 'bee-queue', 'redis', 'pg', 'pg-native', '@aws-sdk/*', 'openai'];
const PACKAGES = {
  server: [...EXTERNAL, 'swagger-ui-dist'],
  worker: [...EXTERNAL, 'tesseract.js', '@tesseract.js-data/*', '@vladmandic/human', '@tensorflow/*'],
};

async function bundle(name) {
  const dir = path.join(root, 'packages', name);
  await build({
    entryPoints: { main: path.join(dir, 'dist/main.js') },
    outdir: path.join(dir, 'bundle'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // What is imported only when configured (the S3 store, the vision describer) stays
    // in a chunk of its own, read only then.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: PACKAGES[name],
    sourcemap: 'linked',
    // CommonJS dependencies inside an ES module bundle still call require().
    banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}

await Promise.all(Object.keys(PACKAGES).map(bundle));
