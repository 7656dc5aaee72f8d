import { spawn } from 'node:child_process';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { portToTry, waitFor } from '../../../test-support/ports.js';
import { Proc, REPO_ROOT, baseEnv, startRedis, tempDir } from '../../../test-support/processes.js';

/**
 * `npm start`'s last step (scripts/start.mjs): the UI's address is printed once the
 * server answers there, and the server's line per request is at debug, so it shows
 * only when LOG_LEVEL asks for it.
 */
const start = suite('scripts/start.mjs');
let redis: Awaited<ReturnType<typeof startRedis>>;

start.before(async () => {
  redis = await startRedis();
});
start.after(async () => {
  await redis.proc.stop();
});

/**
 * Run start.mjs on a port of its own. The port is picked before the server binds it, so
 * another test's process may take it first: then the server exits (EADDRINUSE), start.mjs
 * stops, and the run is tried again on another port.
 */
async function runStart(env: Record<string, string>): Promise<{ output: string }> {
  for (let attempt = 1; ; attempt++) {
    const dir = await tempDir();
    const port = portToTry();
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'scripts/start.mjs')], {
      cwd: REPO_ROOT,
      env: baseEnv({ PORT: String(port), REDIS_URL: redis.url, DATA_DIR: dir.path, ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = new Proc('start', child);
    try {
      const address = await waitFor(
        'the UI address',
        () => /open (http:\/\/\S+\/ui)/.exec(proc.output)?.[1] ?? (proc.running ? undefined : 'exited'),
        { timeoutMs: 60_000 },
      );
      if (address === 'exited') {
        if (attempt < 5 && /EADDRINUSE/.test(proc.output)) continue;
        assert.unreachable(`start.mjs exited before it printed the address:\n${proc.output}`);
      }
      assert.is(address, `http://127.0.0.1:${port}/ui`);
      // At once, no retry: printed means listening.
      assert.is((await fetch(address)).status, 200, 'the address answers as soon as it is printed');
      assert.is((await fetch(`http://127.0.0.1:${port}/jobs`)).status, 200);
      assert.is((await fetch(`http://127.0.0.1:${port}/status/no-such-job`)).status, 404);
      await waitFor('the server to log its start', () => (proc.output.includes('listening on') ? true : undefined));
      await new Promise((r) => setTimeout(r, 300));
      return { output: proc.output };
    } finally {
      await proc.stop();
      await dir.remove();
    }
  }
}

start('the address once the server listens; no line per request at the default LOG_LEVEL', async () => {
  const { output } = await runStart({});
  assert.not.match(output, /request completed/, output);
});

start('LOG_LEVEL=debug shows the request lines', async () => {
  const { output } = await runStart({ LOG_LEVEL: 'debug' });
  assert.match(output, /"statusCode":404.*"msg":"request completed"|request completed.*404/);
});

start.run();
