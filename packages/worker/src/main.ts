import sharp from 'sharp';
import { QUEUE_DEFAULTS, QueueConnection, createVisionBreaker, enqueue, openRuntime, type DescribeQueue } from '@depict/shared';
import { selectDescriber } from './describers/select-describer.js';
import { JobProcessor } from './job-processor.js';
import { StoreRetry } from './store-retry.js';
import { WorkerMetrics } from './metrics.js';
import { Reconciler } from './reconciler.js';
import { WebhookSender } from './webhook-sender.js';

// libvips' operation cache keeps each cached decode's decoder and its memory alive,
// uncounted by the cache's own size limit (a 72 MB progressive JPEG's coefficients each,
// measured): a job's image is decoded once, so it only holds memory.
sharp.cache(false);

const runtime = await openRuntime('worker');
const { config, logger, store, blobs, events } = runtime;
const breaker = config.openai.apiKey ? createVisionBreaker(config, logger) : undefined;
const describer = await selectDescriber(config, logger, breaker);
const deferred = new Set<NodeJS.Timeout>();
// Without a secret the server accepts no callback_url, so there is nothing to send.
const webhooks = config.webhook.secret
  ? new WebhookSender({
      store,
      logger,
      secret: config.webhook.secret,
      allowPrivate: config.webhook.allowPrivate,
      backoffMs: config.webhook.retryDelaysMs,
    })
  : undefined;
// Read at each scrape, by which time the processor below exists.
const metrics = new WorkerMetrics({ inFlight: () => processor.running, breaker });
const storeRetry = new StoreRetry(logger, (operation, fault) => metrics.storeWriteFailed(operation, fault));
const processor: JobProcessor = new JobProcessor({
  store,
  blobs,
  describer,
  logger,
  events,
  storeRetry,
  ...config.jobs,
  failedRetentionMs: config.sweep.failedRetentionMs,
  // The job waits in the store as queued; put it back on the queue once the wait is over.
  // Should this worker stop first, the reconciler queues it instead.
  onDeferred: (jobId, delayMs) => {
    const timer = setTimeout(() => {
      deferred.delete(timer);
      runtime.queue
        .get()
        .then((q) => enqueue(q, jobId))
        .catch((err: unknown) => logger.warn({ err, job_id: jobId }, 'could not queue a waiting job; the reconciler will'));
    }, delayMs);
    deferred.add(timer);
  },
  observe: (outcome, describedBy, seconds) => metrics.observe(outcome, describedBy, seconds),
  // A job that ends is due for its webhook at once: send without waiting for the next
  // poll. Deliveries run beside the queue, so a slow receiver never holds up a job.
  onFinished: () => webhooks?.kick(),
});

if (!runtime.queue.current) logger.info({ redis: config.redisUrl }, 'waiting for Redis');
const queue = await runtime.queue.get();
const consumers = [queue, ...(await extraConsumers())];
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

const reconciler = new Reconciler({ store, queue, logger, ...config.reconcile });
void reconciler.start();
void webhooks?.start();
const metricsServer =
  config.workerMetricsPort === undefined ? undefined : await metrics.serve(config.host, config.workerMetricsPort, logger, config.metricsKey);

logger.info(
  { concurrency: config.workerConcurrency, describer: describer.name, store: store.dialect, queue_prefix: config.queuePrefix },
  'worker started',
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal, in_flight: processor.running }, 'shutting down: no new jobs, finishing those in flight');
  await reconciler.stop();
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
  logger.info('stopped');
  process.exit(0);
}
/**
 * bee-queue takes jobs one after another, each with two Redis round trips, so at high
 * concurrency taking jobs, not running them, limits the rate. Each JOBS_PER_CONSUMER of
 * WORKER_CONCURRENCY get a consumer of their own: its own Redis connections, taking jobs
 * beside the others.
 */
async function extraConsumers(): Promise<DescribeQueue[]> {
  const JOBS_PER_CONSUMER = 64;
  const count = Math.ceil(config.workerConcurrency / JOBS_PER_CONSUMER) - 1;
  return Promise.all(
    Array.from({ length: count }, () =>
      new QueueConnection({ redisUrl: config.redisUrl, prefix: config.queuePrefix, role: 'worker' }, (err) =>
        logger.warn({ err }, 'redis error'),
      ).get(),
    ),
  );
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
