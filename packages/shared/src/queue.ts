import BeeQueue from 'bee-queue';
import { z } from 'zod';

/** The name of the one queue: jobs waiting to be described. */
export const QUEUE_NAME = 'describe';

/** What travels through Redis: only the id. Everything else is in the job store. */
export const QueuePayload = z.object({ job_id: z.string() });
export type QueuePayload = z.infer<typeof QueuePayload>;

export type DescribeQueue = BeeQueue<QueuePayload>;

/**
 * Queue defaults, stated once. A worker's lock on a job is renewed every stallInterval;
 * a job whose worker died is redelivered after about that long.
 */
export const QUEUE_DEFAULTS = {
  stallIntervalMs: 5_000,
} as const;

export interface QueueOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly role: 'producer' | 'worker';
}

export function createQueue(options: QueueOptions): DescribeQueue {
  const worker = options.role === 'worker';
  return new BeeQueue<QueuePayload>(QUEUE_NAME, {
    prefix: options.prefix,
    redis: {
      url: options.redisUrl,
      // Keep reconnecting forever, a second apart at most: Redis may restart under us.
      retry_strategy: ({ attempt }: { attempt: number }) => Math.min(attempt * 100, 1_000),
    } as BeeQueue.QueueSettings['redis'],
    isWorker: worker,
    getEvents: false,
    sendEvents: false,
    activateDelayedJobs: false,
    // The job store keeps results and failures; Redis keeps only work still to do.
    removeOnSuccess: true,
    removeOnFailure: true,
    stallInterval: QUEUE_DEFAULTS.stallIntervalMs,
  });
}

/** Enqueue by job id: saving an id that is already queued is a no-op, so this is idempotent. */
export async function enqueue(queue: DescribeQueue, jobId: string): Promise<void> {
  await queue.createJob({ job_id: jobId }).setId(jobId).save();
}
