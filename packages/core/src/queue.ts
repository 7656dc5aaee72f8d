import { createRequire } from 'node:module';
import BeeQueue from 'bee-queue';
import { z } from 'zod';

// bee-queue loads its Lua scripts into Redis once, when it connects. A Redis that
// restarts empty (no persistence) has forgotten them, and every queue call then fails
// with NOSCRIPT; reloading them on each reconnect is bee-queue's own buildCache.
const beeQueueLua = createRequire(import.meta.url)('bee-queue/lib/lua/index.js') as {
  buildCache(client: unknown): Promise<unknown>;
};

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
  const queue = new BeeQueue<QueuePayload>(QUEUE_NAME, {
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
  // bee-queue creates its clients while connecting; once it is ready, every later
  // 'ready' of the command client is a reconnect.
  queue.ready().then(
    () => {
      const client = (queue as unknown as { client: NodeJS.EventEmitter }).client;
      client.on('ready', () => {
        beeQueueLua.buildCache(client).catch((err: unknown) => queue.emit('error', err as Error));
      });
    },
    () => undefined, // QueueConnection handles a failed connect
  );
  return queue;
}

/**
 * Errors from the Redis client (a command cut off by a lost connection, a script Redis
 * forgot) can surface as rejections no caller awaits. They are outages to log and ride
 * out, not reasons to crash: the client reconnects and the reconciler restores the queue.
 */
export function isRedisError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return (
    ['AbortError', 'ReplyError', 'RedisError', 'InterruptError', 'AggregateError'].includes(err.name) &&
    ('command' in err || typeof code === 'string')
  ) || code === 'NR_CLOSED' || code === 'ECONNREFUSED' || code === 'UNCERTAIN_STATE';
}

/**
 * A bee-queue whose first connect failed stays failed: it keeps rejecting every call
 * with that first error. So connect, and if Redis is not there (or goes away while
 * connecting), throw that queue away and try again with a new one, until one is ready.
 * Once connected, the Redis client reconnects by itself.
 */
export class QueueConnection {
  private queue: DescribeQueue | undefined;
  private readonly connected: Promise<DescribeQueue>;
  private closed = false;

  constructor(
    private readonly options: QueueOptions,
    private readonly onError: (err: unknown) => void,
    private readonly retryMs = 1_000,
  ) {
    this.connected = this.connect();
    this.connected.catch(() => undefined);
  }

  private async connect(): Promise<DescribeQueue> {
    for (;;) {
      if (this.closed) throw new Error('queue connection closed');
      const queue = createQueue(this.options);
      queue.on('error', (err) => this.onError(err));
      try {
        await queue.ready();
        this.queue = queue;
        return queue;
      } catch (err) {
        this.onError(err);
        await queue.close(0).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, this.retryMs));
      }
    }
  }

  /** The connected queue; waits until there is one. */
  get(): Promise<DescribeQueue> {
    return this.connected;
  }

  /** The connected queue, or undefined while none is. */
  get current(): DescribeQueue | undefined {
    return this.queue;
  }

  async close(timeoutMs?: number): Promise<void> {
    this.closed = true;
    await this.queue?.close(timeoutMs);
  }
}

/** Enqueue by job id: saving an id that is already queued is a no-op, so this is idempotent. */
export async function enqueue(queue: DescribeQueue, jobId: string): Promise<void> {
  await queue.createJob({ job_id: jobId }).setId(jobId).save();
}
