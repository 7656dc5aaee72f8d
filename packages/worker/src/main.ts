import { openRuntime } from '@depict/shared';
import { selectDescriber } from './describers/select-describer.js';
import { processJob } from './job-processor.js';
import { Reconciler } from './reconciler.js';

/** How long SIGTERM waits for jobs in flight before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 30_000;

const { config, logger, store, blobs, queue } = await openRuntime('worker');
const describer = selectDescriber(config);

queue.process(config.workerConcurrency, async (job) => processJob({ store, blobs, describer, logger }, job.data.job_id));

const reconciler = new Reconciler({ store, queue, logger, ...config.reconcile });
reconciler.start();

logger.info(
  { concurrency: config.workerConcurrency, describer: describer.name, store: store.dialect, queue_prefix: config.queuePrefix },
  'worker started',
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: finishing jobs in flight');
  await reconciler.stop();
  try {
    await queue.close(SHUTDOWN_GRACE_MS);
  } catch (err) {
    logger.warn({ err }, 'jobs still running at the end of the grace period');
  }
  await describer.close?.();
  await store.close();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
