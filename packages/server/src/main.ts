import { createRequire } from 'node:module';
import { once } from 'node:events';
import { JobStore, LocalBlobStore, createLogger, createQueue, loadConfigOrExit } from '@depict/shared';
import { createApp } from './app.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const config = loadConfigOrExit();
const logger = createLogger('server', config.logLevel);

const store = await JobStore.open({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
const blobs = await new LocalBlobStore(config.dataDir).init();
const queue = createQueue({ redisUrl: config.redisUrl, prefix: config.queuePrefix, role: 'producer' });
queue.on('error', (err) => logger.warn({ err }, 'redis error'));

const app = createApp({ config, store, blobs, queue, logger }, { version });
const server = app.listen(config.port, config.host);
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
  await queue.close(2_000).catch(() => undefined);
  await store.close();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
