#!/usr/bin/env node
// The server and the worker as they run: each one's dist/main.js (tsc's output) bundled
// with its JavaScript dependencies into packages/<name>/bundle/app.cjs, beside main.mjs
// (scripts/bundle-entry.mjs), which loads it and calls its main(), and app.cjs.cache,
// V8's code cache for it. A process then reads a handful of files at start-up, not some
// 1,400, and compiles little: Node 20's module loader, then compiling the bundle, were most
// of a start's CPU (docs/performance.md). `npm start`, the image and the tests all run
// bundle/main.mjs; dist/ stays what other packages and the tests import.
//
// The bundle is CommonJS because Node 20 takes a code cache only for scripts, not for ES
// modules. `import.meta.url` in our modules becomes the bundle's own file URL, and the
// bundle lives one level below its package, as dist/main.js does, so the paths our own
// modules take from it (the package.json, the repository root, the UI's folder) are the
// same. import() of what is imported only when configured (the S3 store, the vision
// describer) runs that module's code only then. Nothing outside may be loaded with import():
// a script compiled from a code cache has no loader for it in Node 20, so the build stops
// on one, and our modules require what they load late from outside (pg).
//
// Left outside, loaded from node_modules as they are: native modules, packages that find
// their own files by path (bee-queue's Lua scripts, swagger-ui's folder, tesseract.js's
// worker script and data, the recognition models and their wasm), and the clients that
// load only when configured (pg, the AWS SDK, the openai SDK). redis stays outside because
// bee-queue loads it from node_modules too: bundled, a process would hold two copies.
import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Outside every bundle: see above. Each the bundle loads is a dependency of its package. */
const EXTERNAL = ['better-sqlite3', 'sharp', 'bee-queue', 'redis', 'pg', 'pg-native', '@aws-sdk/*', 'openai'];
const PACKAGES = {
  server: [...EXTERNAL, 'swagger-ui-dist'],
  worker: [...EXTERNAL, 'tesseract.js', '@tesseract.js-data/*', '@vladmandic/human', '@tensorflow/*'],
};

async function bundle(name) {
  const dir = path.join(root, 'packages', name);
  const out = path.join(dir, 'bundle');
  rmSync(out, { recursive: true, force: true });
  const { metafile } = await build({
    entryPoints: [path.join(dir, 'dist/main.js')],
    outfile: path.join(out, 'app.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: PACKAGES[name],
    sourcemap: 'linked',
    // ES modules are strict; the bundle keeps them so.
    banner: { js: "'use strict';\nconst __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__importMetaUrl' },
    metafile: true,
    logLevel: 'warning',
  });
  const imported = Object.values(metafile.inputs).flatMap((input) => input.imports);
  const late = imported.filter((i) => i.external && i.kind === 'dynamic-import').map((i) => i.path);
  if (late.length > 0) throw new Error(`${name}: import() of ${late.join(', ')} outside the bundle; require it (see above)`);
  // esbuild writes code as ASCII but copies comments as they are, and a few carry other
  // characters: escaped, the file reads into a one-byte string (about 8 ms for the
  // server's, against 80 ms for a UTF-8 one, and half the memory).
  const app = path.join(out, 'app.cjs');
  writeFileSync(app, readFileSync(app, 'utf8').replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  copyFileSync(path.join(root, 'scripts/bundle-entry.mjs'), path.join(out, 'main.mjs'));
  // In a fresh process with no flags, as the server and worker run: V8 refuses a cache made
  // under other flags.
  const entry = JSON.stringify(path.join(out, 'main.mjs'));
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', `(await import(${entry})).writeCodeCache(); process.exit(0);`], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
}

await Promise.all(Object.keys(PACKAGES).map(bundle));
