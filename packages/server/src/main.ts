import { createRequire } from 'node:module';
import { once } from 'node:events';
import sharp from 'sharp';
import { JobEventSubscriber, Jobs, createVisionBreaker, openRuntime } from '@depict/core';
import { createApp } from './app.js';
import { enqueueSoon } from './submission.js';
import { ProofGate } from './proof-gate.js';
import { createRateLimit } from './rate-limit.js';
import { Sweeper } from './sweeper.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** Past UPLOAD_TIMEOUT_MS, so the upload's own timeout (a JSON 408) speaks first. */
const REQUEST_TIMEOUT_MARGIN_MS = 5_000;

// libvips' operation cache keeps each cached decode's decoder, and libjpeg's or libpng's
// memory with it, which libvips does not count against the cache's size: with it on,
// two at a time of a 72 MB progressive proof took the process from 235 to 511 MB and
// kept it there; off, back to 92 MB after each. No upload is proved twice, so nothing hits.
sharp.cache(false);

/**
 * Open the runtime, start the sweeper and listen; resolves once the server listens.
 * The bundle's entry (scripts/bundle-entry.mjs) calls it: loading this module starts nothing.
 */
export async function main(): Promise<void> {
  const runtime = await openRuntime('server');
  const { config, logger, store, queue, blobs, events } = runtime;
  const subscriber = new JobEventSubscriber({ redisUrl: config.redisUrl, prefix: config.queuePrefix, logger });
  const sweeper = new Sweeper({
    store,
    blobs,
    logger,
    intervalMs: config.sweep.intervalMs,
    orphanMs: config.sweep.orphanUploadMs,
    retentionDays: config.sweep.retentionDays,
    failedRetentionMs: config.sweep.failedRetentionMs,
  });
  const breaker = createVisionBreaker(config, logger);
  await sweeper.start();

  const rateLimit = createRateLimit(config, logger);
  const proofs = new ProofGate({ ...config.proofs, budgetBytes: config.decodeLimits.maxDecodeBytes });
  const jobs = new Jobs({
    store,
    blobs,
    events,
    logger,
    failedRetentionMs: config.sweep.failedRetentionMs,
    enqueue: (jobId) => enqueueSoon(runtime, jobId, logger),
  });
  const app = createApp({ ...runtime, subscriber, breaker, proofs, jobs }, { version, rateLimit });
  const server = app.listen(config.port, config.host);
  // A request whose body has not arrived whole by then is cut off (408), refused bodies
  // included, which Node reads to discard: no connection is held longer by trickling.
  server.requestTimeout = config.uploadTimeoutMs + REQUEST_TIMEOUT_MARGIN_MS;
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, host: config.host, store: store.dialect, version }, `listening on http://${config.host}:${port}`);

  let stopping = false;
  async function shutdown(signal: string) {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing open requests');
    server.close();
    server.closeIdleConnections();
    await once(server, 'close');
    await sweeper.stop();
    await rateLimit.close();
    await Promise.all([subscriber.close(), events.close(), breaker.close()]);
    await queue.close(2_000).catch(() => undefined);
    await store.close();
    logger.info('stopped');
    process.exit(0);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
