import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { errorBody } from '@depict/contract';
import { bearerToken, createMetricsRegistry, isOneOf, registerBreakerGauge, type CircuitBreaker, type Logger } from '@depict/core';
import type { Outcome } from './job-processor.js';

/** A worker's metrics: how long jobs take by describer and outcome, and how many run now. */
export class WorkerMetrics {
  readonly registry: Registry;
  private readonly processing: Histogram<'describer' | 'outcome'>;
  private readonly finished: Counter<'outcome'>;
  private readonly storeWriteFailures: Counter<'operation' | 'fault'>;

  constructor(options: { inFlight: () => number; breaker?: CircuitBreaker | undefined }) {
    this.registry = createMetricsRegistry('worker');
    this.processing = new Histogram({
      name: 'depict_job_processing_seconds',
      help: 'Time from taking a job to storing its end, by the describer that produced it and the outcome.',
      labelNames: ['describer', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180],
      registers: [this.registry],
    });
    this.finished = new Counter({
      name: 'depict_job_deliveries_total',
      help: 'Deliveries of jobs to this worker by what came of them (done, failed, skipped, lost, released, deferred).',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.storeWriteFailures = new Counter({
      name: 'depict_worker_store_write_failures_total',
      help: 'Writes to the job store that failed because it was unreachable (fault="unavailable") or full ("full"), and were tried again.',
      labelNames: ['operation', 'fault'],
      registers: [this.registry],
    });
    new Gauge({
      name: 'depict_jobs_in_flight',
      help: 'Jobs this worker is running now.',
      registers: [this.registry],
      collect() {
        this.set(options.inFlight());
      },
    });
    if (options.breaker) registerBreakerGauge(this.registry, options.breaker);
  }

  storeWriteFailed(operation: string, fault: 'unavailable' | 'full'): void {
    this.storeWriteFailures.inc({ operation, fault });
  }

  observe(outcome: Outcome, describer: string | undefined, seconds: number | undefined): void {
    this.finished.inc({ outcome });
    if (describer !== undefined && seconds !== undefined && (outcome === 'done' || outcome === 'failed')) {
      this.processing.observe({ describer, outcome }, seconds);
    }
  }

  /**
   * Serve GET /metrics on host:port, with `key` (METRICS_KEY) only to `Authorization:
   * Bearer <key>`; and GET /health, open, for a container's health check.
   */
  async serve(host: string, port: number, logger: Logger, key?: string): Promise<Server> {
    const server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      }
      if (req.method !== 'GET' || req.url !== '/metrics') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify(errorBody('not_found', 'GET /metrics')));
        return;
      }
      const token = bearerToken(req.headers.authorization);
      if (key !== undefined && !(token && isOneOf([key], token))) {
        res
          .writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="depict"' })
          .end(JSON.stringify(errorBody('unauthorized', '/metrics needs the metrics key: Authorization: Bearer <METRICS_KEY>.')));
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (err: unknown) => {
          logger.warn({ err }, 'metrics failed');
          res.writeHead(500).end();
        },
      );
    });
    server.listen(port, host);
    await once(server, 'listening');
    const address = server.address();
    logger.info({ port: typeof address === 'object' && address ? address.port : port }, 'worker metrics at /metrics');
    return server;
  }
}
