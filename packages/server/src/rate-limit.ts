import redis from 'redis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { DepictError } from '@depict/contract';
import type { Config, Logger } from '@depict/core';
import type { Access } from './auth.js';

export interface RateLimit {
  /** Count one request for `key`; resolves to the error to answer with, or undefined. */
  take(key: string): Promise<DepictError | undefined>;
  /**
   * An address that sent AUTH_FAILURE_LIMIT bad keys within a minute: the refusal to
   * answer it with, whatever key it sends now, until the minute is over.
   */
  blocked(address: string): DepictError | undefined;
  /** Count one failed authentication from `address`; resolves to a 429 once past the limit. */
  failedAuth(address: string): Promise<DepictError | undefined>;
  close(): Promise<void>;
}

/** The rate-limit key of a caller: its API key's owner hash, or its address without keys. */
export const limitKey = (access: Access, ip: string | undefined) => (access.kind === 'key' ? access.owner : `ip:${ip ?? 'unknown'}`);

const AUTH_FAILURE_WINDOW_S = 60;
/** Past this many blocked addresses held in memory, the expired ones are dropped before adding one. */
const MAX_BLOCKED_KEPT = 10_000;

function forgetExpired(until: Map<string, number>): void {
  const now = Date.now();
  for (const [address, time] of until) if (time <= now) until.delete(address);
}

function rateLimited(message: string, retryAfterS: number): DepictError {
  return new DepictError('rate_limited', message, { retryAfterS });
}

/** Consume a point: the seconds until the next one when refused, undefined when allowed or the limiter failed (Redis away). */
async function consume(limiter: RateLimiterAbstract, key: string): Promise<number | undefined> {
  try {
    await limiter.consume(key);
    return undefined;
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) return undefined; // the limiter failed: do not block clients
    return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
  }
}

/**
 * A limit counted twice: in Redis, so every server process shares the count, and in this
 * process. A caller is refused when either count is past the limit. While Redis is away
 * the local count alone decides, so an outage neither blocks nor frees every client; and
 * a count that straddles Redis coming back (or the connection still opening when the
 * first requests arrive) is not split in two halves that each stay under the limit.
 * With Redis healthy the local count is never the higher, so it changes nothing. The
 * local count keeps one entry per key seen in the window, as the shared one does in Redis.
 */
class TwiceCountedLimit {
  private readonly shared: RateLimiterAbstract;
  private readonly local: RateLimiterAbstract;

  constructor(client: redis.RedisClient, keyPrefix: string, points: number, duration: number) {
    this.shared = new RateLimiterRedis({ storeClient: client, useRedis3AndLowerPackage: true, rejectIfRedisNotReady: true, keyPrefix, points, duration });
    this.local = new RateLimiterMemory({ keyPrefix, points, duration });
  }

  /** Count one point for `key`: the seconds until the next one when refused, undefined when allowed. */
  async consume(key: string): Promise<number | undefined> {
    const waits = (await Promise.all([consume(this.shared, key), consume(this.local, key)])).filter((s) => s !== undefined);
    return waits.length === 0 ? undefined : Math.max(...waits);
  }
}

/**
 * RATE_LIMIT_POINTS requests per RATE_LIMIT_WINDOW_S per API key (per client address
 * without keys), and AUTH_FAILURE_LIMIT failed authentications per address per minute.
 * Both are counted in Redis, so every server process shares the counts, and in the
 * process too (see TwiceCountedLimit).
 */
export function createRateLimit(config: Config, logger: Logger): RateLimit {
  const { points, windowS } = config.rateLimit;
  const authFailures = config.authFailureLimit;
  if (points === 0 && authFailures === 0) {
    return { take: async () => undefined, blocked: () => undefined, failedAuth: async () => undefined, close: async () => undefined };
  }
  const client = redis.createClient({
    url: config.redisUrl,
    enable_offline_queue: false,
    retry_strategy: ({ attempt }) => Math.min(attempt * 100, 1_000),
  });
  client.on('error', (err: Error) => logger.debug({ err }, 'rate limiter redis error'));
  const requests = points > 0 ? new TwiceCountedLimit(client, `${config.queuePrefix}:ratelimit`, points, windowS) : undefined;
  const failures = authFailures > 0 ? new TwiceCountedLimit(client, `${config.queuePrefix}:authfail`, authFailures, AUTH_FAILURE_WINDOW_S) : undefined;
  /**
   * Addresses past the failure limit, until when. Kept in this process so that a blocked
   * address costs no Redis call per request; another process learns of it at the
   * address's next failure there, which the shared count refuses at once.
   */
  const blockedUntil = new Map<string, number>();

  return {
    async take(key) {
      if (!requests) return undefined;
      const seconds = await requests.consume(key);
      if (seconds === undefined) return undefined;
      return rateLimited(`Too many requests: at most ${points} per ${windowS} s. Try again in ${seconds} s.`, seconds);
    },
    blocked(address) {
      const until = blockedUntil.get(address);
      if (until === undefined) return undefined;
      const seconds = Math.ceil((until - Date.now()) / 1000);
      if (seconds <= 0) {
        blockedUntil.delete(address);
        return undefined;
      }
      return rateLimited(`Too many failed authentications from this address. Try again in ${seconds} s.`, seconds);
    },
    async failedAuth(address) {
      if (!failures) return undefined;
      const seconds = await failures.consume(address);
      if (seconds === undefined) return undefined;
      if (blockedUntil.size >= MAX_BLOCKED_KEPT) forgetExpired(blockedUntil);
      blockedUntil.set(address, Date.now() + seconds * 1000);
      logger.warn({ address, limit: authFailures }, 'too many failed authentications; address refused for a while');
      return rateLimited(`Too many failed authentications from this address. Try again in ${seconds} s.`, seconds);
    },
    close: () => new Promise<void>((resolve) => client.quit(() => resolve())),
  };
}
