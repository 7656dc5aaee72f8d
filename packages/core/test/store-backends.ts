import { JobStore } from '@depict/core';
import { testSchema } from '../../../test-support/postgres.js';
import { tempDir } from '../../../test-support/processes.js';

/** The two stores the job store tests run on, sharing one clock the tests move. */

/** How far the stores' clock is ahead of the real one: a lease runs out by moving it, not by waiting. */
let ahead = 0;
export const now = () => new Date(Date.now() + ahead);
const clock = now;
/** Let `ms` pass, as the stores see it. */
export const pass = (ms: number) => {
  ahead += ms;
};

export interface Backend {
  name: string;
  open(): Promise<{ store: JobStore; cleanup: () => Promise<void> }>;
}

export const sqlite: Backend = {
  name: 'SQLite',
  async open() {
    const dir = await tempDir();
    const store = await JobStore.open({ dataDir: dir.path, clock });
    return { store, cleanup: dir.remove };
  },
};

export const postgres: Backend = {
  name: 'PostgreSQL',
  async open() {
    const schema = await testSchema();
    const store = await JobStore.open({ dataDir: '/nonexistent', databaseUrl: schema.url, clock });
    return { store, cleanup: schema.drop };
  },
};
