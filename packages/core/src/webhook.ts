import { createHmac } from 'node:crypto';
import { DepictError } from '@depict/contract';
import { AddressRefusedError, resolveTarget, type Resolver } from './guarded-request.js';

/**
 * Standard Webhooks signature: base64 HMAC-SHA256 of "id.timestamp.body", keyed with the
 * secret (a "whsec_" secret is base64; any other string is used as it is).
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret);
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * A webhook may only go to a public http(s) address: nothing in the special-use address
 * registries (loopback, private, link-local, documentation, NAT64, 6to4, ...), in any of
 * its spellings, unless the operator allows private targets. Checked at submit so a
 * client hears at once; the worker checks again on the address it connects to, since a
 * name may resolve elsewhere by then.
 */
export async function checkWebhookTarget(url: string, allowPrivate: boolean, lookup?: Resolver): Promise<void> {
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
  try {
    await resolveTarget(parsed.hostname, { lookup });
  } catch (err) {
    if (err instanceof AddressRefusedError) {
      throw new DepictError(
        'bad_request',
        `callback_url is ${err.message}, not a public address; private or loopback targets need WEBHOOK_ALLOW_PRIVATE=true.`,
      );
    }
    throw new DepictError('bad_request', `callback_url's host ${parsed.hostname} does not resolve.`);
  }
}
