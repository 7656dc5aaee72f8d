// The entry of a bundle, copied by scripts/bundle.mjs to packages/<name>/bundle/main.mjs:
// it loads app.cjs (the server or the worker with its JavaScript dependencies) and calls
// its main(). The build also wrote app.cjs.cache, V8's code cache for app.cjs, made by
// loading the bundle once (writeCodeCache below): a start then reads compiled code rather
// than parsing and compiling some 4 MB of JavaScript, about a quarter of a start's CPU
// (docs/performance.md). V8 refuses a cache made by another V8 version or with other V8
// flags, and the bundle is then compiled as it would be without one.
//
// With --enable-source-maps the bundle is required the usual way instead, so that stack
// traces lead back to src/: Node reads source maps only for modules its own loader compiles.
import { existsSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

const BUNDLE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'app.cjs');
const CACHE = `${BUNDLE}.cache`;

/** The cache, when it was written after the bundle (the build writes the bundle, then it). */
function readCache() {
  if (!existsSync(CACHE) || statSync(CACHE).mtimeMs < statSync(BUNDLE).mtimeMs) return undefined;
  return readFileSync(CACHE);
}

/** Evaluate app.cjs as CommonJS, through the code cache when there is one; its exports and its script. */
function loadBundle(cachedData) {
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(BUNDLE, 'utf8')}\n})`;
  // No import() inside: in Node 20 a script compiled from a code cache made by another
  // process has no loader for it, whatever importModuleDynamically says. The build refuses
  // a bundle that would need one (scripts/bundle.mjs).
  const script = new vm.Script(source, { filename: BUNDLE, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, path.dirname(BUNDLE));
  return { exports: module.exports, script };
}

/**
 * Write app.cjs.cache: the code V8 compiled while every module of the bundle was evaluated
 * (main() is not called). The build runs this in a fresh `node` with no flags, as the
 * server and worker run.
 */
export function writeCodeCache() {
  const { script } = loadBundle(undefined);
  writeFileSync(CACHE, script.createCachedData());
}

if (process.argv[1] && pathToFileURL(realpathSync(process.argv[1])).href === import.meta.url) {
  const { exports } = process.sourceMapsEnabled ? { exports: createRequire(BUNDLE)(BUNDLE) } : loadBundle(readCache());
  await exports.main();
}
