import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's root: the nearest folder above this module holding
 * pnpm-workspace.yaml. Found, not fixed, because this module runs from test-support/
 * (through tsx) and from the runner's emitted copy under .test-build/test-support/ alike.
 */
function findRoot(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (path.dirname(dir) === dir) throw new Error('no pnpm-workspace.yaml above test-support');
  }
}

export const REPO_ROOT = findRoot();
