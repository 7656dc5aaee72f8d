import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { DepictError } from '@depict/shared';

/** Open to everyone even with API keys: liveness and the UI's own files. */
const PUBLIC_PATHS = [/^\/health$/, /^\/$/, /^\/ui\/?$/, /^\/static\//];

export function isPublicPath(path: string): boolean {
  return PUBLIC_PATHS.some((p) => p.test(path));
}

/** A job's owner: a hash of the key, so the store never holds a key. */
export function ownerOf(key: string): string {
  return `key:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

function sameKey(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/**
 * Who is calling, from the Authorization header: the owner hash of a valid key, null
 * when the service runs without keys, or the error to answer with.
 */
export function resolveCaller(apiKeys: readonly string[], authorization: string | undefined): string | null | DepictError {
  if (apiKeys.length === 0) return null;
  const key = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!key) return new DepictError('unauthorized', 'Send an API key: Authorization: Bearer <key>.');
  if (!apiKeys.some((k) => sameKey(k, key))) return new DepictError('unauthorized', 'That API key is not valid.');
  return ownerOf(key);
}

/** The caller resolved by `authenticate`: the owner hash, or null without keys. */
export function callerOf(res: Response): string | null {
  return (res.locals.owner as string | undefined) ?? null;
}

/**
 * With API_KEYS set, every REST call but the public paths needs `Authorization: Bearer
 * <key>`, and the caller sees only its own jobs. tRPC calls are checked in the tRPC
 * middleware instead, so their errors keep tRPC's shape.
 */
export function authenticate(apiKeys: readonly string[]): RequestHandler {
  return (req, res, next) => {
    if (isPublicPath(req.path) || req.path.startsWith('/trpc/')) return next();
    const caller = resolveCaller(apiKeys, req.headers.authorization);
    if (caller instanceof DepictError) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="depict"');
      return next(caller);
    }
    res.locals.owner = caller;
    next();
  };
}
