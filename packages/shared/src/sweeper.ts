import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LocalBlobStore } from './blob-store.js';
import type { JobStore } from './job-store.js';
import type { Logger } from './logger.js';

export interface SweeperOptions {
  readonly store: JobStore;
  readonly blobs: LocalBlobStore;
  readonly logger: Logger;
  readonly intervalMs: number;
  /** Files untouched this long may be orphans; younger ones may belong to an upload in progress. */
  readonly orphanMs: number;
}

/**
 * Removes uploads nobody will read: partial files left in tmp/ by a server that died
 * mid-upload, and blobs whose job is finished or was never recorded. Runs at start and
 * on an interval; only files older than orphanMs are considered.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly options: SweeperOptions) {}

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
    for (const jobId of await blobs.list()) {
      if (!(await old(blobs.pathOf(jobId)))) continue;
      const job = await store.get(jobId);
      if (!job || job.status === 'done' || job.status === 'failed') {
        await blobs.delete(jobId);
        removed++;
      }
    }
    if (removed > 0) logger.info({ removed }, 'sweeper removed orphaned uploads');
    return removed;
  }

  /** Sweep now and then every intervalMs. Resolves after the first sweep. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  private tick(): Promise<number> {
    this.running ??= this.runOnce()
      .catch((err: unknown) => {
        this.options.logger.warn({ err }, 'sweep failed');
        return 0;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
