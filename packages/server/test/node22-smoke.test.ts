import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { submit, waitForResult } from '../../../test-support/api.js';
import { scene } from '../../../test-support/images.js';
import { NODE22_BINARY, NODE22_VERSION, node22Answers } from '../../../test-support/node22.js';
import { testSchema } from '../../../test-support/postgres.js';
import { Stack } from '../../../test-support/processes.js';

/**
 * The built server and worker on Node 22 LTS (the image's Node), beside the tests' own
 * Node 20. The test runner installs the binary before the tests start (test-support/
 * node22.ts). The job store is PostgreSQL: better-sqlite3's native module is built for the
 * Node that installed the workspace (the image builds its own), and the rest (sharp,
 * tesseract.js, pg) loads on either.
 */
const smoke = suite(`the built server and worker on Node ${NODE22_VERSION}`);
let stack: Stack;
let drop: () => Promise<void>;

function node22(): string {
  assert.ok(node22Answers(), `Node ${NODE22_VERSION} runs from ${NODE22_BINARY} (scripts/run-tests.mjs installs it: run the tests with npm test)`);
  return NODE22_BINARY;
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
  assert.match(metrics, new RegExp(`depict_nodejs_version_info\\{version="v${NODE22_VERSION.replaceAll('.', '\\.')}"`));
  assert.is(stack.worker?.child.spawnfile, stack.server.proc.child.spawnfile);
  assert.match(stack.worker!.child.spawnfile, /depict-node22/);
});

smoke.run();
