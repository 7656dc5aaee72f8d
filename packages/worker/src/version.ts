import { createRequire } from 'node:module';

// One level below the package root as built (dist/) and as bundled (bundle/): the
// package's own version, which names the analyzer in every description it writes.
export const { version: WORKER_VERSION } = createRequire(import.meta.url)('../package.json') as { version: string };
