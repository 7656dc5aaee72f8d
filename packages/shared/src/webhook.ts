import { createHmac } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { DepictError } from './errors.js';

/**
 * Standard Webhooks signature: base64 HMAC-SHA256 of "id.timestamp.body", keyed with the
 * secret (a "whsec_" secret is base64; any other string is used as it is).
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret);
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

function isPrivateAddress(ip: string): boolean {
  if (ip === '::1' || ip === '::' || /^f[cd]/i.test(ip) || /^fe[89ab]/i.test(ip)) return true;
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (isIP(v4) !== 4) return false;
  const [a, b] = v4.split('.').map(Number) as [number, number];
  return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}

/**
 * A webhook may only go to a public http(s) address: no loopback, private or link-local
 * targets (the service must not be a way into its own network), unless allowed.
 */
export async function checkWebhookTarget(url: string, allowPrivate: boolean): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DepictError('bad_request', 'callback_url is not a URL.');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new DepictError('bad_request', 'callback_url must be an http:// or https:// URL.');
  }
  if (allowPrivate) return;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new DepictError('bad_request', `callback_url's host ${host} does not resolve.`);
  if (addresses.some(isPrivateAddress)) {
    throw new DepictError('bad_request', 'callback_url points at a private or loopback address; set WEBHOOK_ALLOW_PRIVATE=true to allow it.');
  }
}
