import path from 'node:path';
import { LocalBlobStore, type BlobStore } from './blob-store.js';
import { loadConfigOrExit, type Config } from './config.js';
import { JobStore } from './job-store.js';
import { createLogger, type Logger } from './logger.js';
import { JobEventPublisher } from './job-events.js';
import { QueueConnection, isRedisError } from './queue.js';
import { storeFaultOf } from './store-errors.js';

/** The parts every Depict process runs on, built from the environment. */
export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: JobStore;
  readonly blobs: BlobStore;
  readonly queue: QueueConnection;
  /** Announces job state changes to every server process (Redis pub/sub). */
  readonly events: JobEventPublisher;
}

/** For entry points: read the configuration (exiting on a bad one) and open everything. */
export async function openRuntime(component: 'server' | 'worker'): Promise<Runtime> {
  const config = loadConfigOrExit();
  const logger = createLogger(component, config.logLevel);
  const store = await JobStore.open({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    timeoutMs: config.storeTimeoutMs,
    onConnectionError: (err) => logger.warn({ err }, 'job store connection lost'),
  });
  // The AWS SDK takes about 140 ms to load: only a process that uses S3 loads it.
  const files = config.s3
    ? new (await import('./s3-blob-store.js')).S3BlobStore({ ...config.s3, tmpDir: path.join(config.dataDir, 'uploads', 'tmp') })
    : new LocalBlobStore(config.dataDir);
  const blobs = await store.inlineUploads(files, config.inlineUploadBytes).init();
  // The Redis client reconnects by itself; until then, say so once per error.
  const queue = new QueueConnection(
    { redisUrl: config.redisUrl, prefix: config.queuePrefix, role: component === 'worker' ? 'worker' : 'producer' },
    (err) => logger.warn({ err }, 'redis error'),
  );
  process.on('unhandledRejection', (err) => {
    if (isRedisError(err)) {
      logger.warn({ err }, 'redis error');
      return;
    }
    // The store going away is survived where it is met; one that slipped through must not end the process either.
    if (storeFaultOf(err)) {
      logger.warn({ err }, 'job store unavailable');
      return;
    }
    logger.fatal({ err }, 'unhandled rejection');
    process.exit(1);
  });
  const events = new JobEventPublisher({ redisUrl: config.redisUrl, prefix: config.queuePrefix, logger });
  return { config, logger, store, blobs, queue, events };
}
