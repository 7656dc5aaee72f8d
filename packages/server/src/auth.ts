import { createHash } from 'node:crypto';
import type { Response } from 'express';
import { DepictError } from '@depict/contract';
import { bearerToken, isOneOf } from '@depict/core';

/**
 * Whom a request acts for. With API keys, an owner hash from a valid key; without them,
 * everyone sees every job. There is no third case: with keys set, a request whose access
 * was not decided is refused, never treated as "every owner".
 */
export type Access = { readonly kind: 'key'; readonly owner: string } | { readonly kind: 'open' };

/** A job's owner: a hash of the key, so the store never holds a key. */
export function ownerOf(key: string): string {
  return `key:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

/** The access an Authorization header gives, or why it gives none. */
export function resolveAccess(apiKeys: readonly string[], authorization: string | undefined): Access | DepictError {
  if (apiKeys.length === 0) return { kind: 'open' };
  const key = bearerToken(authorization);
  if (!key) return new DepictError('unauthorized', 'Send an API key: Authorization: Bearer <key>.');
  if (!isOneOf(apiKeys, key)) return new DepictError('unauthorized', 'That API key is not valid.');
  return { kind: 'key', owner: ownerOf(key) };
}

/** The owner filter of the job store: the key's owner, or null (every job) only without keys. */
export function ownerScope(access: Access): string | null {
  return access.kind === 'key' ? access.owner : null;
}

interface GateLocals {
  access?: Access;
  refusal?: DepictError;
}

const localsOf = (res: Response) => res.locals as GateLocals;

/** Recorded by the request gate, for the route that serves the request. */
export function recordAccess(res: Response, decision: Access | DepictError): void {
  if (decision instanceof DepictError) localsOf(res).refusal = decision;
  else localsOf(res).access = decision;
}

/**
 * The access the request gate granted this request. Throws the gate's refusal (kept for
 * tRPC calls, so it reaches them in tRPC's error shape), and refuses outright when keys
 * are set and no access was granted: a route the gate never saw serves nobody.
 */
export function accessOf(res: Response, apiKeys: readonly string[]): Access {
  const { access, refusal } = localsOf(res);
  if (refusal) throw refusal;
  if (access) return access;
  if (apiKeys.length === 0) return { kind: 'open' };
  throw new DepictError('unauthorized', 'Send an API key: Authorization: Bearer <key>.');
}
