import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, submit, waitForResult } from '../../../test-support/api.js';
import { png } from '../../../test-support/images.js';
import { Stack, redisCli } from '../../../test-support/processes.js';

const reconcile = suite('the job store is the source of truth, Redis only holds work');
const stack = new Stack({ RECONCILE_INTERVAL_MS: '300', RECONCILE_GRACE_MS: '200' });

reconcile.before(async () => {
  await stack.start({ worker: false });
});
reconcile.after(async () => {
  await stack.stop();
});

reconcile('jobs whose queue entries Redis lost are enqueued again from the store and finish', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const sent = await submit(stack.url, await png({ width: 50 + i, height: 40 }));
    assert.is(sent.status, 202);
    ids.push(sent.body.job_id);
  }
  assert.match(await redisCli(stack.redis.port, 'KEYS', 'depict-test:*'), /depict-test:describe/);
  assert.is(await redisCli(stack.redis.port, 'FLUSHALL'), 'OK');
  assert.is(await redisCli(stack.redis.port, 'DBSIZE'), '0');

  await stack.startWorker();
  for (const id of ids) {
    const result = await waitForResult(stack.url, id, 20_000);
    assert.is(result.body.status, 'done', `${id}: ${JSON.stringify(result.body)}`);
  }
  const logs = stack.worker!.logs();
  assert.ok(logs.some((l) => l.msg === 'reconciler re-enqueued stale jobs'), stack.output());
  for (const id of ids) assert.is((await get(stack.url, `/status/${id}`)).body.status, 'done');
});

reconcile.run();
