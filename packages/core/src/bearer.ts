import { createHash, timingSafeEqual } from 'node:crypto';

/** The Bearer token of an Authorization header, if it has one. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
}

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** Whether `token` is one of `secrets`, compared in time that does not depend on which (or whether) one matches. */
export function isOneOf(secrets: readonly string[], token: string): boolean {
  let found = false;
  for (const secret of secrets) found = sameSecret(secret, token) || found;
  return found;
}
