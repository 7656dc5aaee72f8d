import { EventEmitter } from 'node:events';
import redis from 'redis';
import type { JobStatus } from '@depict/contract';
import type { Logger } from './logger.js';

/** What is published when a job changes state. Clients read the job itself from the store. */
export interface JobEvent {
  readonly job_id: string;
  readonly status: JobStatus;
}

const channelOf = (prefix: string) => `${prefix}:job-events`;

function client(redisUrl: string, logger: Logger) {
  const c = redis.createClient({ url: redisUrl, retry_strategy: ({ attempt }) => Math.min(attempt * 100, 1_000) });
  c.on('error', (err: Error) => logger.debug({ err }, 'job events redis error'));
  return c;
}

/**
 * State changes travel over Redis pub/sub, so a client watching through any server
 * process hears about a job that another process accepted and a worker finished.
 * Losing a message is harmless: watchers also re-read the store on a timer.
 */
export class JobEventPublisher {
  private readonly redis;
  /** Events of this turn of the event loop, sent together in one write. */
  private pending: string[] = [];

  constructor(
    private readonly options: { redisUrl: string; prefix: string; logger: Logger },
  ) {
    this.redis = client(options.redisUrl, options.logger);
  }

  publish(event: JobEvent): void {
    if (!this.redis.connected) return; // the watchers' timer covers a Redis outage
    if (this.pending.length === 0) setImmediate(() => this.flush());
    this.pending.push(JSON.stringify(event));
  }

  /** A busy worker changes many jobs per turn: one pipelined write, not one per event. */
  private flush(): void {
    const messages = this.pending;
    this.pending = [];
    if (messages.length === 0 || !this.redis.connected) return;
    const channel = channelOf(this.options.prefix);
    const batch = this.redis.batch();
    for (const message of messages) batch.publish(channel, message);
    batch.exec(() => undefined);
  }

  close(): Promise<void> {
    this.flush();
    return new Promise((resolve) => this.redis.quit(() => resolve()));
  }
}

/** One subscription per server process, fanned out to watchers by job id. */
export class JobEventSubscriber {
  private readonly redis;
  private readonly emitter = new EventEmitter();

  constructor(options: { redisUrl: string; prefix: string; logger: Logger }) {
    this.emitter.setMaxListeners(0);
    this.redis = client(options.redisUrl, options.logger);
    this.redis.on('message', (_channel: string, message: string) => {
      try {
        const event = JSON.parse(message) as JobEvent;
        this.emitter.emit(event.job_id, event);
      } catch {
        // not ours
      }
    });
    this.redis.subscribe(channelOf(options.prefix));
  }

  /** Call `listener` on every change of this job; returns the way to stop. */
  watch(jobId: string, listener: (event: JobEvent) => void): () => void {
    this.emitter.on(jobId, listener);
    return () => this.emitter.off(jobId, listener);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.redis.quit(() => resolve()));
  }
}
