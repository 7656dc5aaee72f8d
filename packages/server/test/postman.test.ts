import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import newman from 'newman';
import { scene } from '../../../test-support/images.js';
import { REPO_ROOT, Stack, tempDir } from '../../../test-support/processes.js';

/**
 * The Postman collection made from a live server's /openapi.json
 * (scripts/postman-collection.mjs) runs green in newman: submit, status, result with
 * its wait, events, list, retry, stats, delete and the service routes, each checked by
 * its test script, with the API key Postman would send.
 */
const postman = suite('the Postman collection, run by newman');
const KEY = 'postman-test-key';
// /metrics takes its own key; the collection sends one bearer token everywhere.
const stack = new Stack({ API_KEYS: KEY, METRICS_KEY: KEY });
let dir: Awaited<ReturnType<typeof tempDir>>;

postman.before(async () => {
  dir = await tempDir();
  // No worker yet: the run meets a job still queued, and waits for it.
  await stack.start({ worker: false });
});
postman.after(async () => {
  await stack.stop();
  await dir.remove();
});

postman('generated from /openapi.json, every call passes its tests', async () => {
  const image = path.join(dir.path, 'scene.png');
  await writeFile(image, await scene(320, 240));
  const out = path.join(dir.path, 'depict.postman_collection.json');
  const made = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts/postman-collection.mjs'), stack.url, out, '--image', image], {
    encoding: 'utf8',
    env: { ...process.env, DEPICT_API_KEY: KEY },
    timeout: 30_000,
  });
  assert.is(made.status, 0, made.stderr);
  const collection = JSON.parse(await readFile(out, 'utf8'));
  assert.equal(collection.variable.find((v: { key: string }) => v.key === 'baseUrl')?.value, stack.url, "the document's servers entry");

  // (A worker that fails to start shows as a job that never ends, in the run's failures.)
  const worker = setTimeout(() => void stack.startWorker().catch(() => undefined), 2_000);
  const summary = await new Promise<newman.NewmanRunSummary>((resolve, reject) => {
    const envVar = [{ key: 'bearerToken', value: KEY }, { key: 'wait', value: '1' }];
    newman.run({ collection, envVar, timeoutRequest: 60_000, reporters: [] }, (err, result) => (err ? reject(err) : resolve(result)));
  }).finally(() => clearTimeout(worker));
  const { executions, failures } = summary.run;
  const lines = executions.map((e) => `${e.item.name}: ${e.response?.code ?? 'no answer'}`);
  assert.equal(
    failures.map((f) => `${f.source?.name}: ${f.error.message}`),
    [],
    lines.join('\n'),
  );
  const routes = executions.map((e) => `${e.request.method} /${(e.request.url.path ?? []).join('/')}`.replace(/[0-9a-f-]{36}/, ':job_id'));
  for (const route of ['POST /submit', 'GET /status/:job_id', 'GET /result/:job_id', 'GET /events/:job_id', 'GET /jobs', 'DELETE /jobs/:job_id', 'GET /metrics', 'GET /health']) {
    assert.ok(routes.includes(route), `${route} ran:\n${routes.join('\n')}`);
  }
  const assertions = executions.flatMap((e) => e.assertions ?? []);
  assert.ok(assertions.length >= executions.length, 'a test on every call');
  // The result's wait: 202 with Retry-After while the job was queued, back to the long poll, then 200.
  const results = executions.filter((e) => e.request.url.path?.[0] === 'result').map((e) => e.response.code);
  assert.ok(results.length >= 2 && results[0] === 202 && results.at(-1) === 200, `results: ${results.join(', ')}`);
  const deleted = executions.find((e) => e.request.method === 'DELETE');
  assert.is(deleted?.response.code, 204);
});

postman.run();
