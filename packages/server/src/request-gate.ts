import type { Request, RequestHandler, Response } from 'express';
import { DepictError } from '@depict/contract';
import { bearerToken, isOneOf, type Config } from '@depict/core';
import { recordAccess, resolveAccess, type Access } from './auth.js';
import { canonicalTarget } from './request-target.js';
import { limitKey, type RateLimit } from './rate-limit.js';

/**
 * Where a request goes, as far as who may send it: open to all (liveness and the UI's
 * own files), the Prometheus scrape (its own key), tRPC (refusals reach it in tRPC's
 * error shape) or the rest of the API.
 */
export type RouteKind = 'public' | 'metrics' | 'trpc' | 'api';

/**
 * The kind of route a canonical path reaches. Express and trpc-to-openapi match paths
 * without regard to case, and express also with a trailing slash, so this does too: the
 * kind is decided on the same reading the routers make. Anything not named here needs a
 * key.
 */
export function routeKind(path: string): RouteKind {
  const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1).toLowerCase() : path.toLowerCase();
  if (p === '/' || p === '/health' || p === '/ui' || p === '/favicon.ico' || p === '/static' || p.startsWith('/static/')) {
    return 'public';
  }
  if (p === '/metrics') return 'metrics';
  if (p === '/trpc' || p.startsWith('/trpc/')) return 'trpc';
  return 'api';
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The request target exactly as the client sent it, for the request log. */
      rawTarget: string;
      /** Set by the request gate. */
      routeKind: RouteKind;
    }
  }
}

/** The host name of a Host header or an authority: lower case, without port, brackets or final dot. */
export function hostName(authority: string | undefined): string {
  const value = (authority ?? '').trim().toLowerCase();
  const name = value.startsWith('[') ? value.slice(1, value.indexOf(']') === -1 ? undefined : value.indexOf(']')) : value.replace(/:\d*$/, '');
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/**
 * First of all: the request target in its one canonical form (absolute form rewritten to
 * origin form, anything ambiguous refused with 404), and a Host among ALLOWED_HOSTS
 * (421 otherwise, which stops DNS rebinding from reaching a server without keys).
 */
export function canonicalRequest(config: Config): RequestHandler {
  const allowed = config.allowedHosts === '*' ? undefined : new Set(config.allowedHosts.map((h) => hostName(h)));
  return (req, _res, next) => {
    req.rawTarget = req.url;
    const target = canonicalTarget(req.url);
    if (!target) {
      next(new DepictError('not_found', 'No such route.'));
      return;
    }
    req.url = target.path + target.search;
    req.originalUrl = req.url;
    if (allowed) {
      const host = hostName(target.authority ?? req.headers.host);
      if (!allowed.has(host)) {
        next(new DepictError('host_not_allowed', `This server does not answer for the host "${host}" (ALLOWED_HOSTS).`));
        return;
      }
    }
    req.routeKind = routeKind(target.path);
    next();
  };
}

/** /metrics: METRICS_KEY when set; with API keys but no METRICS_KEY, nobody (it shows every tenant's counts). */
function metricsAccess(config: Config, authorization: string | undefined): Access | DepictError {
  if (config.metricsKey) {
    const token = bearerToken(authorization);
    if (token && isOneOf([config.metricsKey], token)) return { kind: 'open' };
    return new DepictError('unauthorized', '/metrics needs the metrics key: Authorization: Bearer <METRICS_KEY>.');
  }
  if (config.apiKeys.length === 0) return { kind: 'open' };
  return new DepictError('unauthorized', '/metrics is closed while API_KEYS is set and METRICS_KEY is not; set METRICS_KEY to scrape it.');
}

function refuse(req: Request, res: Response, refusal: DepictError, next: (err?: unknown) => void): void {
  if (refusal.code === 'unauthorized') res.setHeader('WWW-Authenticate', 'Bearer realm="depict"');
  if (refusal.retryAfterS !== undefined) res.setHeader('Retry-After', String(refusal.retryAfterS));
  if (req.routeKind === 'trpc') {
    // The procedure throws it (trpc.ts), before it reads any input.
    recordAccess(res, refusal);
    next();
    return;
  }
  next(refusal);
}

/**
 * Who a request acts for, decided once for every route but the public ones: the API key
 * (or METRICS_KEY for /metrics), with failed attempts counted per address, then one
 * point of the caller's rate limit. REST refusals are answered here; tRPC ones are left
 * for the procedure to throw, so tRPC clients read them in their own shape.
 */
export function requestGate(config: Config, rateLimit: RateLimit): RequestHandler {
  return (req, res, next) => {
    if (req.routeKind === 'public') return next();
    const address = req.ip ?? 'unknown';
    const decide = async (): Promise<Access | DepictError> => {
      const keyed = req.routeKind === 'metrics' || config.apiKeys.length > 0;
      if (keyed) {
        const blocked = rateLimit.blocked(address);
        if (blocked) return blocked;
      }
      const access = req.routeKind === 'metrics' ? metricsAccess(config, req.headers.authorization) : resolveAccess(config.apiKeys, req.headers.authorization);
      if (access instanceof DepictError) return (await rateLimit.failedAuth(address)) ?? access;
      return (await rateLimit.take(limitKey(access, address))) ?? access;
    };
    decide().then((decision) => {
      if (decision instanceof DepictError) return refuse(req, res, decision, next);
      recordAccess(res, decision);
      next();
    }, next);
  };
}
