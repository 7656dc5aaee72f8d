import sharp from 'sharp';
import { createVisionBreaker, openRuntime } from '@depict/core';
import { selectDescriber } from './describers/select-describer.js';
import { createWorker } from './worker.js';

// libvips' operation cache keeps each cached decode's decoder and its memory alive,
// uncounted by the cache's own size limit (a 72 MB progressive JPEG's coefficients each,
// measured): a job's image is decoded once, so it only holds memory.
sharp.cache(false);

/**
 * Open the runtime, pick the describer and start taking jobs; resolves once the worker runs.
 * The bundle's entry (scripts/bundle-entry.mjs) calls it: loading this module starts nothing.
 */
export async function main(): Promise<void> {
  const runtime = await openRuntime('worker');
  const { config, logger } = runtime;
  const breaker = config.openai.apiKey ? createVisionBreaker(config, logger) : undefined;
  const describer = await selectDescriber(config, logger, breaker);
  const worker = createWorker({ ...runtime, describer, breaker });
  await worker.start();

  let stopping = false;
  async function shutdown(signal: string) {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'signal received');
    await worker.stop();
    logger.info('stopped');
    process.exit(0);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
