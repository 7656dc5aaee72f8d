import { Periodic, enqueue, type DescribeQueue, type JobStore, type Logger } from '@depict/core';

export interface ReconcilerOptions {
  readonly store: JobStore;
  readonly queue: DescribeQueue;
  readonly logger: Logger;
  /** How often to look. */
  readonly intervalMs: number;
  /** A queued job untouched this long is enqueued again (Redis may have lost it). */
  readonly graceMs: number;
  readonly batch?: number;
}

/**
 * The job store is the source of truth and Redis runs without persistence: whatever
 * the store says is queued, or processing under a lease that ran out (its worker died),
 * is put back on the queue. Enqueuing by job id is idempotent, so a job still waiting
 * in Redis is not doubled.
 */
export class Reconciler {
  private readonly periodic: Periodic;

  constructor(private readonly options: ReconcilerOptions) {
    this.periodic = new Periodic('reconciler pass', options.intervalMs, () => this.runOnce(), options.logger);
  }

  /** One pass; resolves to the number of jobs enqueued. */
  async runOnce(): Promise<number> {
    const { store, queue, logger, graceMs } = this.options;
    const queuedBefore = new Date(Date.now() - graceMs).toISOString();
    const ids = await store.listStale({ queuedBefore, limit: this.options.batch ?? 500 });
    for (const id of ids) await enqueue(queue, id);
    if (ids.length > 0) logger.info({ count: ids.length }, 'reconciler re-enqueued stale jobs');
    return ids.length;
  }

  start(): Promise<void> {
    return this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }
}
