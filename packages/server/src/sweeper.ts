import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { IDEMPOTENCY_WINDOW_MS, isTerminal } from '@depict/contract';
import { Periodic, type BlobStore, type JobStore, type Logger } from '@depict/core';

export interface SweeperOptions {
  readonly store: JobStore;
  readonly blobs: BlobStore;
  readonly logger: Logger;
  readonly intervalMs: number;
  /** Files untouched this long may be orphans; younger ones may belong to an upload in progress. */
  readonly orphanMs: number;
  /** Finished jobs older than this many days are deleted with their data; 0 keeps them. */
  readonly retentionDays: number;
  /** A failed job's upload is kept this long after it failed, for a retry. */
  readonly failedRetentionMs: number;
}

/**
 * Removes finished jobs past RETENTION_DAYS, and uploads nobody will read: partial files
 * left in tmp/ by a server that died mid-upload, blobs whose job was never recorded, and
 * blobs of finished jobs (a failed job's only after FAILED_RETENTION_HOURS, since it may
 * be retried). Runs at start and on an interval; only files older than orphanMs count.
 */
export class Sweeper {
  private readonly periodic: Periodic;

  constructor(private readonly options: SweeperOptions) {
    this.periodic = new Periodic('sweep', options.intervalMs, () => this.runOnce(), options.logger);
  }

  async runOnce(): Promise<number> {
    const { store, blobs, logger, orphanMs } = this.options;
    const cutoff = Date.now() - orphanMs;
    const old = async (file: string) => {
      try {
        return (await stat(file)).mtimeMs <= cutoff;
      } catch {
        return false;
      }
    };
    let removed = 0;
    for (const name of await readdir(blobs.tmpDir)) {
      const file = path.join(blobs.tmpDir, name);
      if (await old(file)) {
        await rm(file, { force: true });
        removed++;
      }
    }
    for (const { id: jobId, modifiedMs } of await blobs.list()) {
      if (modifiedMs > cutoff) continue;
      const job = await store.get(jobId);
      const retryable =
        job?.status === 'failed' && Date.parse(job.finishedAt ?? job.updatedAt) > Date.now() - this.options.failedRetentionMs;
      if (!job || (isTerminal(job.status) && !retryable)) {
        await blobs.delete(jobId);
        removed++;
      }
    }
    if (removed > 0) logger.info({ removed }, 'sweeper removed orphaned uploads');
    await store.purgeIdempotencyKeys(new Date(Date.now() - IDEMPOTENCY_WINDOW_MS).toISOString());
    if (this.options.retentionDays > 0) {
      const before = new Date(Date.now() - this.options.retentionDays * 86_400_000).toISOString();
      for (;;) {
        const ids = await store.deleteFinishedBefore(before, 500);
        for (const id of ids) await blobs.delete(id);
        if (ids.length > 0) logger.info({ deleted: ids.length }, 'retention: deleted finished jobs');
        removed += ids.length;
        if (ids.length < 500) break;
      }
    }
    return removed;
  }

  /** Sweep now and then every intervalMs. Resolves after the first sweep. */
  start(): Promise<void> {
    return this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }
}
