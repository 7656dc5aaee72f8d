// Emits the test files, test-support and bench as JavaScript under .test-build/, so each test
// process is plain Node: run through tsx, every module a test loads (all of @depict/core's
// dependencies included) passes through tsx's loader hooks on a second thread, about a
// second of CPU per file before any test runs. esbuild only strips types here (about
// 0.2 s for all of them); `tsc -p tsconfig.test.json` still checks them, as its own task.
//
// The tree is mirrored: .test-build/packages/<pkg>/test/x.test.js beside links to that
// package's package.json, dist and node_modules, so a test resolves its imports (its
// own package by name included) exactly as it does from packages/<pkg>/test/. A test
// of a module inside its package imports ../src/x.js; there `src` links to `dist`, the
// same module as built (tsc keeps src's layout in dist), so run the build first.
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/** Where the emitted tests live, under the repository's root. */
export const TEST_BUILD_DIR = '.test-build';

/** The emitted file for a test file given relative to the root: a.test.ts → .test-build/a.test.js. */
export const emittedPath = (file) => path.join(TEST_BUILD_DIR, file.replace(/\.ts$/, '.js'));

function typeScriptFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => path.join(dir, name));
}

export async function buildTests(root) {
  const out = path.join(root, TEST_BUILD_DIR);
  rmSync(out, { recursive: true, force: true });
  const packages = readdirSync(path.join(root, 'packages')).filter((pkg) => existsSync(path.join(root, 'packages', pkg, 'test')));
  const entryPoints = [
    ...packages.flatMap((pkg) => typeScriptFiles(path.join(root, 'packages', pkg, 'test'))),
    ...typeScriptFiles(path.join(root, 'test-support')),
    // Tests of the analyzer's quality run the benchmark's own measure.
    ...typeScriptFiles(path.join(root, 'bench')),
  ];
  await build({
    entryPoints,
    outdir: out,
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Failures then name the TypeScript file and line (the runner passes --enable-source-maps).
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  for (const pkg of packages) {
    const dir = path.join(out, 'packages', pkg);
    mkdirSync(dir, { recursive: true });
    const target = (name) => path.join('..', '..', '..', 'packages', pkg, name);
    for (const name of ['package.json', 'dist', 'node_modules']) symlinkSync(target(name), path.join(dir, name));
    symlinkSync(target('dist'), path.join(dir, 'src'));
  }
  return entryPoints.length;
}
