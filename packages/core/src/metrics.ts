import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { CircuitBreaker } from './circuit-breaker.js';

/**
 * Prometheus metrics of one process, in its own registry: the process's own (CPU,
 * memory, event loop lag, under `depict_`) plus what the caller registers. Every process
 * serves its own; Prometheus adds them up.
 */
export function createMetricsRegistry(component: 'server' | 'worker'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry, prefix: 'depict_' });
  return registry;
}

const BREAKER_VALUE = { closed: 0, half_open: 1, open: 2, unknown: -1 } as const;

/** The vision circuit breaker's shared state, read from Redis at each scrape: 0 closed, 1 half-open, 2 open. */
export function registerBreakerGauge(registry: Registry, breaker: CircuitBreaker): void {
  new Gauge({
    name: 'depict_vision_breaker_state',
    help: 'The vision circuit breaker (shared through Redis): 0 closed, 1 half-open, 2 open, -1 unknown (Redis unreachable).',
    registers: [registry],
    async collect() {
      const status = await breaker.status().catch(() => ({ state: 'unknown' as const }));
      this.set(BREAKER_VALUE[status.state]);
    },
  });
}
