import type { Describer } from '@depict/contract';
import { Jobs, QUEUE_DEFAULTS, QueueConnection, enqueue, type CircuitBreaker, type DescribeQueue, type Runtime } from '@depict/core';
import type { Server } from 'node:http';
import { JobProcessor } from './job-processor.js';
import { WorkerMetrics } from './metrics.js';
import { Reconciler } from './reconciler.js';
import { StoreRetry } from './store-retry.js';
import { WebhookSender } from './webhook-sender.js';

/** The parts a worker is built from; a test passes real ones made in a temp directory. */
export interface WorkerDeps extends Runtime {
  readonly describer: Describer;
  /** The vision circuit breaker shared by every worker, when the vision model describes. */
  readonly breaker?: CircuitBreaker | undefined;
}

export interface Worker {
  /** Take jobs from the queue, and start the reconciler, the webhook sender and the metrics. */
  start(): Promise<void>;
  /**
   * Stop taking jobs; let those in flight finish for SHUTDOWN_GRACE_MS, then hand the rest
   * back; close everything. Resolves when all is closed.
   */
  stop(): Promise<void>;
  readonly processor: JobProcessor;
}

/** bee-queue takes jobs one after another, two Redis round trips each: every this many of WORKER_CONCURRENCY get a consumer of their own. */
const JOBS_PER_CONSUMER = 64;

/** A worker: the queue's consumers feeding the job processor, and what runs beside them. */
export function createWorker(deps: WorkerDeps): Worker {
  const { config, logger, store, blobs, events, describer, breaker } = deps;
  const deferred = new Set<NodeJS.Timeout>();
  // Without a secret the server accepts no callback_url, so there is nothing to send.
  const webhooks = config.webhook.secret
    ? new WebhookSender({ store, logger, secret: config.webhook.secret, allowPrivate: config.webhook.allowPrivate, backoffMs: config.webhook.retryDelaysMs })
    : undefined;
  // Read at each scrape, by which time the processor below exists.
  const metrics = new WorkerMetrics({ inFlight: () => processor.running, breaker });
  const storeRetry = new StoreRetry(logger, (operation, fault) => metrics.storeWriteFailed(operation, fault));
  // A job that ends is due for its webhook at once: send without waiting for the next
  // poll. Deliveries run beside the queue, so a slow receiver never holds up a job.
  const jobs = new Jobs({ store, blobs, events, logger, failedRetentionMs: config.sweep.failedRetentionMs, onFinished: () => webhooks?.kick() });
  const processor: JobProcessor = new JobProcessor({
    jobs,
    blobs,
    describer,
    logger,
    storeRetry,
    ...config.jobs,
    // The job waits in the store as queued; put it back on the queue once the wait is over.
    // Should this worker stop first, the reconciler queues it instead.
    onDeferred: (jobId, delayMs) => {
      const timer = setTimeout(() => {
        deferred.delete(timer);
        deps.queue
          .get()
          .then((q) => enqueue(q, jobId))
          .catch((err: unknown) => logger.warn({ err, job_id: jobId }, 'could not queue a waiting job; the reconciler will'));
      }, delayMs);
      deferred.add(timer);
    },
    observe: (outcome, describedBy, seconds) => metrics.observe(outcome, describedBy, seconds),
  });

  let consumers: DescribeQueue[] = [];
  let reconciler: Reconciler | undefined;
  let metricsServer: Server | undefined;

  /** Each JOBS_PER_CONSUMER of WORKER_CONCURRENCY past the first get their own consumer, with its own Redis connections. */
  const extraConsumers = () =>
    Promise.all(
      Array.from({ length: Math.ceil(config.workerConcurrency / JOBS_PER_CONSUMER) - 1 }, () =>
        new QueueConnection({ redisUrl: config.redisUrl, prefix: config.queuePrefix, role: 'worker' }, (err) => logger.warn({ err }, 'redis error')).get(),
      ),
    );

  return {
    processor,
    async start() {
      if (!deps.queue.current) logger.info({ redis: config.redisUrl }, 'waiting for Redis');
      const queue = await deps.queue.get();
      consumers = [queue, ...(await extraConsumers())];
      consumers.forEach((consumer, i) => {
        // The processor handles every outcome it knows; anything else is a fault to see.
        consumer.on('failed', (job, err) => logger.error({ err, job_id: job.data.job_id }, 'job delivery failed unexpectedly'));
        // WORKER_CONCURRENCY shared out: 256 over 4 consumers is 64 each.
        const share = Math.floor(config.workerConcurrency / consumers.length) + (i < config.workerConcurrency % consumers.length ? 1 : 0);
        consumer.process(share, async (job) => processor.process(job.data.job_id));
      });
      // Redeliver jobs whose worker died (its bee-queue lock stopped being renewed). Without
      // a callback, bee-queue reports failed checks through the 'error' event.
      void queue.checkStalledJobs(QUEUE_DEFAULTS.stallIntervalMs);
      reconciler = new Reconciler({ store, queue, logger, ...config.reconcile });
      void reconciler.start();
      void webhooks?.start();
      if (config.workerMetricsPort !== undefined) {
        metricsServer = await metrics.serve(config.host, config.workerMetricsPort, logger, config.metricsKey);
      }
      logger.info(
        { concurrency: config.workerConcurrency, describer: describer.name, store: store.dialect, queue_prefix: config.queuePrefix },
        'worker started',
      );
    },
    async stop() {
      logger.info({ in_flight: processor.running }, 'shutting down: no new jobs, finishing those in flight');
      await reconciler?.stop();
      await webhooks?.stop();
      try {
        // Stops taking jobs at once; resolves when those in flight are finished.
        await Promise.all(consumers.map((consumer) => consumer.close(config.jobs.shutdownGraceMs)));
      } catch {
        logger.warn({ in_flight: processor.running }, 'grace period over: handing the rest back');
        processor.releaseAll();
        storeRetry.stop();
        const deadline = Date.now() + 5_000;
        while (processor.running > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      }
      for (const timer of deferred) clearTimeout(timer);
      metricsServer?.close();
      await describer.close?.();
      await breaker?.close();
      await events.close();
      await store.close();
    },
  };
}
