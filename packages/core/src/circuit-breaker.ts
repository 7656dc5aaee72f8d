import redis from 'redis';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

/**
 * A circuit breaker whose state lives in Redis, so every worker process sees the same
 * one. Three keys under `<prefix>:breaker:<name>:`:
 *
 * - `failures`: transient failures in a row (any success resets it);
 * - `open`: exists while the breaker is open; it expires after the cool-down;
 * - `probe`: held by the one call allowed through once the cool-down is over.
 *
 * closed: failures < threshold. open: the `open` key exists; no calls. half-open:
 * failures >= threshold and `open` has expired; one caller takes `probe` and calls,
 * and its outcome closes the breaker or opens it for another cool-down.
 *
 * Scripts keep each step atomic across processes. When Redis cannot be asked, calls are
 * allowed: the breaker protects the vision API, it must not stop work on its own.
 *
 * A closed breaker is remembered for CLOSED_MEMORY_MS, so a busy worker asks Redis a few
 * times a second, not once per call; the cost is that another process's opening is seen
 * up to that much later.
 */
const ALLOW = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {'open', redis.call('PTTL', KEYS[1])} end
local failures = tonumber(redis.call('GET', KEYS[2]) or '0')
if failures < tonumber(ARGV[1]) then return {'closed', failures} end
if redis.call('SET', KEYS[3], ARGV[3], 'NX', 'PX', ARGV[2]) then return {'probe', 0} end
return {'half_open', redis.call('PTTL', KEYS[3])}
`;

const FAILED = `
local failures = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
local probe = ARGV[3] ~= '' and redis.call('GET', KEYS[3]) == ARGV[3]
if probe or (failures >= tonumber(ARGV[1]) and redis.call('EXISTS', KEYS[1]) == 0) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
  if probe then redis.call('DEL', KEYS[3]) end
  return {'opened', failures}
end
return {'counted', failures}
`;

const SUCCEEDED = `
local probe = ARGV[1] ~= '' and redis.call('GET', KEYS[3]) == ARGV[1]
if not probe and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
if probe then redis.call('DEL', KEYS[3]) end
return 1
`;

const RELEASE_PROBE = `
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
return 1
`;

export type BreakerState = 'closed' | 'open' | 'half_open' | 'unknown';

/** May a call go ahead? `probe` is set when this call is the half-open probe. */
export type BreakerTicket =
  | { readonly allowed: true; readonly probe?: string }
  | { readonly allowed: false; readonly state: 'open' | 'half_open'; readonly retryAfterMs: number };

export interface BreakerStatus {
  readonly state: BreakerState;
  readonly failures: number;
  /** While open: how long until a probe is let through. */
  readonly reopens_in_ms?: number;
}

export interface CircuitBreakerOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly name: string;
  /** Transient failures in a row that open the breaker; 0 turns it off. */
  readonly failures: number;
  readonly cooldownMs: number;
  /** The longest one call can take: a probe that never reports back frees its place after this. */
  readonly probeTimeoutMs: number;
  readonly logger: Logger;
}

/** How long the failure count lives without a new failure (a quiet day forgets old ones). */
const FAILURE_MEMORY_MS = 24 * 3_600_000;
/** A half-open breaker whose probe is running: others look again after this long. */
const HALF_OPEN_RETRY_MS = 1_000;
/** How long a closed answer from Redis is trusted without asking again. */
const CLOSED_MEMORY_MS = 250;

export class CircuitBreaker {
  private readonly client: redis.RedisClient;
  private readonly keys: [string, string, string];
  /** Until when the breaker is known closed, and the failure count last seen. */
  private closedUntil = 0;
  private failuresSeen = 0;

  constructor(private readonly options: CircuitBreakerOptions) {
    const base = `${options.prefix}:breaker:${options.name}`;
    this.keys = [`${base}:open`, `${base}:failures`, `${base}:probe`];
    this.client = redis.createClient({
      url: options.redisUrl,
      // A command while Redis is away fails at once (and the call is allowed), never waits.
      enable_offline_queue: false,
      retry_strategy: ({ attempt }) => Math.min(attempt * 100, 1_000),
    });
    this.client.on('error', (err: Error) => options.logger.debug({ err }, 'circuit breaker redis error'));
  }

  get enabled(): boolean {
    return this.options.failures > 0;
  }

  private run<T>(script: string, args: (string | number)[]): Promise<T> {
    return new Promise((resolve, reject) => {
      this.client.eval(script, this.keys.length, ...this.keys, ...args.map(String), (err: Error | null, reply: unknown) =>
        err ? reject(err) : resolve(reply as T),
      );
    });
  }

  /** Ask before calling. A closed breaker (or an unreachable Redis) allows the call. */
  async allow(): Promise<BreakerTicket> {
    if (!this.enabled || Date.now() < this.closedUntil) return { allowed: true };
    const token = `${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      const [state, figure] = await this.run<[string, number]>(ALLOW, [this.options.failures, this.options.probeTimeoutMs, token]);
      if (state === 'closed') {
        this.closedUntil = Date.now() + CLOSED_MEMORY_MS;
        this.failuresSeen = figure; // closed: the failure count
        return { allowed: true };
      }
      this.closedUntil = 0;
      if (state === 'probe') {
        this.options.logger.info({ breaker: this.options.name }, 'circuit breaker half-open: one probe call');
        return { allowed: true, probe: token };
      }
      if (state === 'open') return { allowed: false, state: 'open', retryAfterMs: Math.max(1, figure) };
      return { allowed: false, state: 'half_open', retryAfterMs: Math.min(HALF_OPEN_RETRY_MS, Math.max(1, figure)) };
    } catch (err) {
      this.options.logger.warn({ err, breaker: this.options.name }, 'circuit breaker unavailable; allowing the call');
      return { allowed: true };
    }
  }

  /** A call failed in a way that says the service is unwell (timeout, refused, 429, 5xx). */
  async failed(ticket: BreakerTicket): Promise<void> {
    if (!this.enabled) return;
    const probe = ticket.allowed ? (ticket.probe ?? '') : '';
    try {
      const [what, failures] = await this.run<[string, number]>(FAILED, [
        this.options.failures,
        this.options.cooldownMs,
        probe,
        FAILURE_MEMORY_MS,
      ]);
      this.failuresSeen = failures;
      if (what === 'opened') {
        this.closedUntil = 0;
        this.options.logger.warn(
          { breaker: this.options.name, failures, cooldown_ms: this.options.cooldownMs, probe: Boolean(probe) },
          'circuit breaker open: no calls until the cool-down is over',
        );
      }
    } catch (err) {
      this.options.logger.debug({ err }, 'circuit breaker could not count a failure');
    }
  }

  /** A call went through: the count starts again; the probe's success closes the breaker. */
  async succeeded(ticket: BreakerTicket): Promise<void> {
    if (!this.enabled) return;
    const probe = ticket.allowed ? (ticket.probe ?? '') : '';
    if (!probe && this.failuresSeen === 0) return; // nothing to reset
    try {
      const closed = await this.run<number>(SUCCEEDED, [probe]);
      if (closed) this.failuresSeen = 0;
      if (closed && probe) this.options.logger.info({ breaker: this.options.name }, 'circuit breaker closed: the probe succeeded');
    } catch (err) {
      this.options.logger.debug({ err }, 'circuit breaker could not count a success');
    }
  }

  /** The call ended without saying anything about the service (it was stopped): let another probe. */
  async abandoned(ticket: BreakerTicket): Promise<void> {
    if (!this.enabled || !ticket.allowed || !ticket.probe) return;
    await this.run(RELEASE_PROBE, [ticket.probe]).catch(() => undefined);
  }

  /** The shared state, for /ready. */
  async status(): Promise<BreakerStatus> {
    if (!this.enabled) return { state: 'closed', failures: 0 };
    const [openMs, failures] = await new Promise<[number, number]>((resolve, reject) => {
      this.client
        .multi()
        .pttl(this.keys[0])
        .get(this.keys[1])
        .exec((err, replies) => (err ? reject(err) : resolve([Number(replies[0]), Number(replies[1] ?? 0)])));
    });
    if (openMs > 0) return { state: 'open', failures, reopens_in_ms: openMs };
    return { state: failures >= this.options.failures ? 'half_open' : 'closed', failures };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.client.quit(() => resolve()));
  }
}

/**
 * The one circuit breaker around the vision API, shared through Redis by every worker
 * and read by the server for /ready. A probe may take as long as the client's timeout
 * times its tries; after that another worker may probe.
 */
export function createVisionBreaker(config: Config, logger: Logger): CircuitBreaker {
  return new CircuitBreaker({
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    name: 'vision',
    failures: config.openai.breaker.failures,
    cooldownMs: config.openai.breaker.cooldownMs,
    probeTimeoutMs: config.openai.timeoutMs * (config.openai.maxRetries + 1) + 5_000,
    logger,
  });
}
