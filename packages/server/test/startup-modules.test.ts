import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { modulesLoadedBy } from '../../../test-support/loaded-modules.js';
import { REPO_ROOT } from '../../../test-support/processes.js';

/**
 * What a process loads at start-up is time before it serves (and memory it keeps). Each
 * of these is loaded only where it is used: swagger-ui's browser bundle never (the
 * server needs only the folder it lives in), pg with DATABASE_URL, the AWS SDK with
 * S3_BUCKET, the openai SDK with OPENAI_API_KEY.
 */
const HEAVY = {
  "swagger-ui's browser bundle (about 400 ms)": /[\\/]swagger-ui-dist[\\/]swagger-ui-bundle\.js$/,
  pg: /[\\/]node_modules[\\/]pg[\\/]/,
  'the AWS SDK': /[\\/]node_modules[\\/]@aws-sdk[\\/]/,
  'the openai SDK': /[\\/]node_modules[\\/]openai[\\/]/,
};

/** A module as tsc built it; the bundles `npm start` runs are made from these. */
const built = (file: string) => path.join(REPO_ROOT, 'packages', file);

function assertNoneLoaded(modules: string[]): void {
  for (const [name, pattern] of Object.entries(HEAVY)) {
    assert.not.ok(
      modules.some((m) => pattern.test(m)),
      `${name} is loaded: ${modules.find((m) => pattern.test(m))}`,
    );
  }
}

test('the server loads neither a browser bundle nor a client it is not configured for', () => {
  const modules = modulesLoadedBy([built('server/dist/app.js'), built('server/dist/rate-limit.js'), built('core/dist/index.js'), built('contract/dist/index.js')]);
  assert.ok(modules.some((m) => /[\\/]node_modules[\\/]express[\\/]/.test(m)), 'express, at least, is seen');
  assertNoneLoaded(modules);
});

test('a worker loads no client it is not configured for', () => {
  // What worker/dist/main.js imports (it starts a worker itself, so it is not imported here).
  const modules = modulesLoadedBy(
    ['job-processor.js', 'describers/select-describer.js', 'metrics.js', 'reconciler.js', 'webhook-sender.js'].map((f) => built(`worker/dist/${f}`)),
  );
  assert.ok(modules.some((m) => /[\\/]node_modules[\\/]sharp[\\/]/.test(m)), 'sharp, at least, is seen');
  assertNoneLoaded(modules);
});

test('the check sees what a module loads, as ES module or CommonJS', () => {
  // The controls: the vision describer loads openai (ESM), swagger-ui-dist's index its bundle (CommonJS).
  const describer = modulesLoadedBy([built('worker/dist/describers/openai-describer.js')]);
  assert.ok(describer.some((m) => HEAVY['the openai SDK'].test(m)), 'openai');
  const swagger = modulesLoadedBy([path.join(REPO_ROOT, 'packages/server/node_modules/swagger-ui-dist/index.js')]);
  assert.ok(swagger.some((m) => HEAVY["swagger-ui's browser bundle (about 400 ms)"].test(m)), 'swagger-ui-bundle.js');
});

/**
 * What a bundle (scripts/bundle.mjs) loads before its main() runs: every module of the
 * bundle is evaluated, and with them the packages left outside it that they import
 * statically. What is imported only when configured is loaded by main() itself, later.
 */
test('the server and worker bundles load no client at start', () => {
  for (const name of ['server', 'worker']) {
    const modules = modulesLoadedBy([built(`${name}/bundle/app.cjs`)]);
    assert.ok(modules.some((m) => /[\\/]node_modules[\\/]sharp[\\/]/.test(m)), `${name}: what the bundle loads is seen (sharp)`);
    assertNoneLoaded(modules);
  }
  // ASCII, so that a start reads each into a one-byte string (scripts/bundle.mjs).
  for (const name of ['server', 'worker']) {
    assert.ok(/^[\0-\x7f]*$/.test(readFileSync(built(`${name}/bundle/app.cjs`), 'latin1')), `${name} bundle is ASCII`);
  }
  // The control: the clients are outside the bundles, loaded from node_modules when used.
  assert.match(readFileSync(built('worker/bundle/app.cjs'), 'utf8'), /require\("openai"\)/);
  assert.match(readFileSync(built('server/bundle/app.cjs'), 'utf8'), /\)\("pg"\)/);
});

test.run();
