import type { RequestHandler } from 'express';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { JOB_STATUSES } from '@depict/contract';
import { createMetricsRegistry, registerBreakerGauge } from '@depict/core';
import type { AppDeps } from './deps.js';

/** A path's route for a label: ids become `:job_id`, so the label set stays small. */
export function routeOf(path: string): string {
  if (path.startsWith('/trpc/')) {
    // One label per procedure; a batch of several is one label too.
    return `/trpc/${path.slice('/trpc/'.length).split(',').sort().join(',')}`;
  }
  if (path.startsWith('/static/') || path.startsWith('/docs/')) return path.slice(0, path.indexOf('/', 1));
  return path.replace(/\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?=\/|$)/gi, '/:job_id');
}

const KNOWN_ROUTES = new Set([
  '/submit',
  '/status/:job_id',
  '/result/:job_id',
  '/events/:job_id',
  '/jobs',
  '/jobs/:job_id',
  '/jobs/:job_id/retry',
  '/jobs/retry',
  '/stats',
  '/health',
  '/ready',
  '/metrics',
  '/openapi.json',
  '/docs',
  '/ui',
  '/static',
  '/',
]);

/**
 * The server's metrics: HTTP latency by route and status, and, read at each scrape, jobs
 * by status (from the job store), the queue's depth (from Redis), the proof gate's load
 * and the vision breaker.
 */
export function serverMetrics(deps: AppDeps): { registry: Registry; httpTimer: RequestHandler } {
  const registry = createMetricsRegistry('server');
  const http = new Histogram({
    name: 'depict_http_request_duration_seconds',
    help: 'HTTP requests by method, route and status: the time until the response was written.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const httpTimer: RequestHandler = (req, res, next) => {
    const end = http.startTimer();
    res.on('finish', () => {
      const route = routeOf(req.path);
      const known = KNOWN_ROUTES.has(route) || route.startsWith('/trpc/');
      end({ method: req.method, route: known ? route : 'other', status: String(res.statusCode) });
    });
    next();
  };

  new Gauge({
    name: 'depict_jobs',
    help: 'Jobs in the job store by status.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await deps.store.countByStatus(null);
      for (const status of JOB_STATUSES) this.set({ status }, counts[status] ?? 0);
    },
  });
  new Gauge({
    name: 'depict_queue_jobs',
    help: 'Jobs in the Redis queue by state (waiting: not yet taken by a worker; active: being run).',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const queue = deps.queue.current;
      if (!queue) return;
      const health = await queue.checkHealth().catch(() => undefined);
      if (!health) return;
      for (const state of ['waiting', 'active', 'delayed'] as const) this.set({ state }, health[state]);
    },
  });
  new Gauge({
    name: 'depict_proofs',
    help: 'libvips proofs of uploads by state (running: decoding now; waiting: for their turn at the proof gate).',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const { running, waiting } = deps.proofs.load;
      this.set({ state: 'running' }, running);
      this.set({ state: 'waiting' }, waiting);
    },
  });
  new Gauge({
    name: 'depict_proof_decode_bytes',
    help: 'Decode memory the running proofs hold between them, as estimated from their headers (at most MAX_DECODE_MB).',
    registers: [registry],
    collect() {
      this.set(deps.proofs.load.heldBytes);
    },
  });
  registerBreakerGauge(registry, deps.breaker);
  return { registry, httpTimer };
}
