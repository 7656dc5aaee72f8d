import { unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppDeps } from './deps.js';

/**
 * Uploads larger than INLINE_UPLOAD_KB, and SQLite, are written to DATA_DIR: a disk that
 * is full or read-only refuses them, so it makes the server unready. A byte is written
 * and removed, which a full disk refuses.
 */
async function dataDirWritable(dataDir: string): Promise<void> {
  const probe = path.join(dataDir, `.ready-${process.pid}`);
  try {
    await writeFile(probe, '.');
  } finally {
    await unlink(probe).catch(() => undefined);
  }
}

const CHECK_TIMEOUT_MS = 1_000;

async function check(name: string, probe: () => Promise<unknown>): Promise<{ name: string; ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { name, ok: true };
  } catch (err) {
    return { name, ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Ready means the job store, Redis and (when uploads are in S3) the bucket answer now,
 * and DATA_DIR takes a write. The vision circuit breaker is
 * reported beside them; an open breaker does not make the service unready (jobs are still
 * accepted; they fall back to the analyzer or wait).
 */
export async function readiness(deps: AppDeps) {
  const breaker = deps.breaker.status().catch(() => ({ state: 'unknown' as const }));
  const ping = deps.blobs.ping?.bind(deps.blobs);
  const checks = await Promise.all([
    check('job_store', () => deps.store.ping()),
    check('data_dir', () => dataDirWritable(deps.config.dataDir)),
    ...(ping ? [check('blob_store', ping)] : []),
    check('redis', async () => {
      const queue = deps.queue.current;
      if (!queue) throw new Error('not connected');
      await queue.checkHealth();
    }),
  ]);
  const failing = checks.filter((c) => !c.ok);
  const details = { vision_breaker: await breaker };
  if (failing.length === 0) return { ready: true, checks, details };
  const message = `Not ready: ${failing.map((c) => `${c.name} (${c.error})`).join(', ')}.`;
  return { ready: false, checks, details, error: { code: 'not_ready', message } };
}
