import type { RequestHandler } from 'express';
import redis from 'redis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { DepictError, type Config, type Logger } from '@depict/shared';
import { callerOf, isPublicPath } from './auth.js';

export interface RateLimit {
  /** Count one request for `key`; resolves to the error to answer with, or undefined. */
  take(key: string): Promise<DepictError | undefined>;
  readonly middleware: RequestHandler;
  close(): Promise<void>;
}

/** The rate-limit key of a caller: its API key's owner hash, or its address without keys. */
export const limitKey = (owner: string | null, ip: string | undefined) => owner ?? `ip:${ip ?? 'unknown'}`;

/**
 * RATE_LIMIT_POINTS requests per RATE_LIMIT_WINDOW_S per API key (per client address
 * without keys), counted in Redis so every server process shares the count. While
 * Redis is away an in-memory limiter stands in, so an outage neither blocks nor frees
 * every client.
 */
export function createRateLimit(config: Config, logger: Logger): RateLimit {
  const { points, windowS } = config.rateLimit;
  if (points === 0) {
    return { take: async () => undefined, middleware: (_req, _res, next) => next(), close: async () => undefined };
  }
  const client = redis.createClient({
    url: config.redisUrl,
    enable_offline_queue: false,
    retry_strategy: ({ attempt }) => Math.min(attempt * 100, 1_000),
  });
  client.on('error', (err: Error) => logger.debug({ err }, 'rate limiter redis error'));
  const limiter = new RateLimiterRedis({
    storeClient: client,
    useRedis3AndLowerPackage: true,
    rejectIfRedisNotReady: true,
    keyPrefix: `${config.queuePrefix}:ratelimit`,
    points,
    duration: windowS,
    insuranceLimiter: new RateLimiterMemory({ points, duration: windowS }),
  });

  const take = async (key: string): Promise<DepictError | undefined> => {
    try {
      await limiter.consume(key);
      return undefined;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) return undefined; // the limiter failed: do not block clients
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      return new DepictError('rate_limited', `Too many requests: at most ${points} per ${windowS} s. Try again in ${seconds} s.`, {
        cause: { retryAfterS: seconds },
      });
    }
  };

  const middleware: RequestHandler = (req, res, next) => {
    if (isPublicPath(req.path) || req.path.startsWith('/trpc/')) return next();
    take(limitKey(callerOf(res), req.ip)).then((error) => {
      if (error) res.setHeader('Retry-After', String((error.cause as { retryAfterS: number }).retryAfterS));
      next(error);
    }, next);
  };
  return { take, middleware, close: () => new Promise<void>((resolve) => client.quit(() => resolve())) };
}
