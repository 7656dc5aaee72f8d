// What the tests need besides the workspace, installed by the test runner before they
// start (scripts/run-tests.mjs), so that no test fetches anything itself: system packages,
// Node.js 22, and the real images the analyzer's tests read from Debian's packages.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { emittedPath } from './build-tests.mjs';

/** test-support's module `name`, as the runner emitted it under .test-build/. */
const emitted = (root, name) => import(pathToFileURL(path.join(root, emittedPath(`test-support/${name}.ts`))).href);

/**
 * Browser tests drive Debian's Chromium (its headless shell: test-support/browser.ts),
 * the README's examples curl and Python's requests. Install them (and redis-server) from
 * Debian's packages when they are missing and we may; otherwise the tests say what is missing.
 */
export function ensureSystemPackages({ browser: needBrowser, clients: needClients }) {
  const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
  const imports = (python) => spawnSync(python, ['-c', 'import requests'], { stdio: 'ignore' }).status === 0;
  const missing = [];
  if (!has('redis-server')) missing.push('redis-server');
  if (needBrowser && !has('chromium-headless-shell')) missing.push('chromium-headless-shell');
  // The README's examples: curl, and Python with requests.
  if (needClients && !has('curl')) missing.push('curl');
  if (needClients && !imports('/usr/bin/python3') && !imports('python3')) missing.push('python3-requests');
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !has('apt-get')) {
    console.log(`missing: ${missing.join(', ')} (install them from your system's packages)`);
    return;
  }
  console.log(`installing ${missing.join(', ')} from Debian's packages`);
  // Another apt-get may hold dpkg's lock (an unattended upgrade, a second checkout's tests): wait for it.
  const wait = ['-o', 'DPkg::Lock::Timeout=300'];
  spawnSync('apt-get', [...wait, 'update', '-qq'], { stdio: 'inherit' });
  spawnSync('apt-get', [...wait, 'install', '-y', '-qq', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/**
 * What a test needs installed that the workspace does not hold, installed here as the
 * workspace is, before the tests (a test itself fetches nothing): Node.js 22 for the
 * node22-smoke test, from the npm registry (test-support/node22.ts, as the tests emitted
 * it). Before the measurements, which it would disturb.
 */
export async function installNode22(root) {
  const problem = await (await emitted(root, 'node22')).installNode22();
  if (problem) console.log(`Node.js 22 for the node22-smoke test was not installed: ${problem}`);
}

/**
 * The analyzer's real images (the labelled set of bench/quality, the recognition set of
 * bench/recognition): `apt-get download` of their Debian packages into the per-machine
 * caches the tests read (test-support/labelled-images.ts, debian-images.ts). Once per
 * machine; after that it only checks the caches. A failure is left for the tests that
 * need the images to report.
 */
export async function fetchTestImages(root) {
  try {
    const { labelledImages } = await emitted(root, 'labelled-images');
    const { debianImage, recognitionLabels } = await emitted(root, 'debian-images');
    labelledImages();
    for (const label of await recognitionLabels()) await debianImage(label.package, label.path, label.member);
  } catch (err) {
    console.log(`the analyzer's real images were not fetched: ${err instanceof Error ? err.message : String(err)}`);
  }
}
