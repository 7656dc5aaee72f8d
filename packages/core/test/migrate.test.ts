import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { JobStore } from '@depict/core';
import { tempDir } from '../../../test-support/processes.js';

/**
 * A server and a worker started together on a new data directory both migrate the one
 * SQLite file (kysely's migration lock does nothing on SQLite). Stores opened together
 * interleave their migrations the same way: every one of them must open.
 */
const migrate = suite('migrations on SQLite, several openers at once');

migrate('four stores opened together on a new data directory all open, five times over', async () => {
  for (let round = 0; round < 5; round++) {
    const dir = await tempDir('depict-migrate-');
    try {
      const opened = await Promise.allSettled(Array.from({ length: 4 }, () => JobStore.open({ dataDir: dir.path })));
      const failed = opened.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => String(o.reason));
      for (const o of opened) if (o.status === 'fulfilled') await o.value.close();
      assert.equal(failed, [], failed.join('\n'));
    } finally {
      await dir.remove();
    }
  }
});

migrate.run();
